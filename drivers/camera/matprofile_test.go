//go:build matprofile

package camera

import (
	"context"
	"testing"

	"gocv.io/x/gocv"
)

// TestNoMatLeft: with gocv's Mat profile on (make test builds this file
// with -tags matprofile), 10,000 frames leave no Mat behind.
func TestNoMatLeft(t *testing.T) {
	before := gocv.MatProfile.Count()
	src, err := OpenReplay(ReplayConfig{Path: writeVideo(t, 100), Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 10000 {
		if _, err := src.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	src.Close()
	if after := gocv.MatProfile.Count(); after != before {
		t.Fatalf("%d Mats left open", after-before)
	}
}
