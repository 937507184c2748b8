package osdpreader

import (
	"slices"
	"testing"

	"github.com/palmd/palmd/osdp"
)

// TestReadOf: osdp_RAW data is read first bit first from the top of each
// byte, only as many bits as the reader counted; osdp_FMT is text; other
// events are no reads.
func TestReadOf(t *testing.T) {
	r, ok := readOf(osdp.Event{Kind: osdp.EventCard, Bits: 10, Data: []byte{0b10100000, 0b01000000}})
	want := []bool{true, false, true, false, false, false, false, false, false, true}
	if !ok || !slices.Equal(r.Bits, want) || r.Text != "" {
		t.Fatalf("raw: %v %v", r.Bits, ok)
	}
	if r, ok := readOf(osdp.Event{Kind: osdp.EventCard, Text: "12:3456"}); !ok || r.Text != "12:3456" || r.Bits != nil {
		t.Fatalf("fmt: %+v", r)
	}
	if r, ok := readOf(osdp.Event{Kind: osdp.EventCard, Bits: 26, Data: []byte{1}}); !ok || len(r.Bits) != 8 {
		t.Fatalf("a short payload gave %d bits", len(r.Bits))
	}
	if _, ok := readOf(osdp.Event{Kind: osdp.EventOnline}); ok {
		t.Fatal("an online event read as a badge")
	}
}
