package ringsim

import (
	"fmt"
	"testing"

	"github.com/palmd/palmd/drivers/lightring"
)

// TestHistoryKeepsTheLatest: the history is in order and bounded, the
// newest kept.
func TestHistoryKeepsTheLatest(t *testing.T) {
	var r Ring
	for i := range keep + 10 {
		r.Show(lightring.Pattern{Name: fmt.Sprint(i)})
	}
	h := r.History()
	if len(h) != keep || h[0].Name != "10" || h[len(h)-1].Name != fmt.Sprint(keep+9) {
		t.Fatalf("%d patterns, from %s to %s", len(h), h[0].Name, h[len(h)-1].Name)
	}
	if h[0].At.After(h[len(h)-1].At) {
		t.Fatal("out of order")
	}
}
