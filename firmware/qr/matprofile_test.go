//go:build matprofile

package qr

import (
	"testing"

	"gocv.io/x/gocv"

	"github.com/palmd/palmd/firmware/qr/qrtest"
)

// TestNoMatLeft: with gocv's Mat profile on (make test builds this file
// with -tags matprofile), the whole cascade, read or not, leaves no Mat
// open, and neither does the scene generator.
func TestNoMatLeft(t *testing.T) {
	before := gocv.MatProfile.Count()
	d := newTestDecoder(t, Config{})
	for _, c := range []qrtest.Category{qrtest.Clean, qrtest.Finger, qrtest.Tilt} {
		for seed := uint64(1); seed <= 3; seed++ {
			img, _ := render(t, c, seed)
			d.Decode(img)
			for _, a := range Attempts() {
				d.DecodeAttempt(img, a)
			}
		}
	}
	if n := gocv.MatProfile.Count() - before; n != 0 {
		t.Fatalf("%d Mats left open", n)
	}
}
