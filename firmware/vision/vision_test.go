package vision

import (
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/recognize"
	"github.com/palmd/palmd/drivers/camera"
	"github.com/palmd/palmd/firmware/qr"
)

// scenes a fake pipeline recognises by their first pixel.
const (
	pixEmpty   = 8
	pixCode    = 200
	pixHand    = 150
	pixBlur    = 120 // a hand, too far
	pixGlimpse = 180 // a code that cannot be read
)

func frame(pix byte) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = pix
	}
	return img
}

// fakes count their calls; they are called from the worker's goroutine.
type fakes struct {
	mu                    sync.Mutex
	scans, locates, found int
	decided               bool
}

func (f *fakes) Scan(img *image.Gray) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scans++
	if img.Pix[0] == pixCode {
		return "PALMD1.code", nil
	}
	if img.Pix[0] == pixGlimpse {
		return "", fmt.Errorf("%w: %w", qr.ErrNotFound, qr.ErrUnreadable)
	}
	return "", errors.New("no code")
}

// Offer decides a presentation on its first good frame, as a Reader of
// one frame would.
func (f *fakes) Offer(img *image.Gray) (recognize.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.locates++
	switch img.Pix[0] {
	case pixHand:
		if f.decided {
			return recognize.Outcome{}, nil
		}
		f.decided = true
		f.found++
		return recognize.Outcome{Decided: true, Result: gallery.Result{ID: "p1", Badge: "12:3456", Matched: true}}, nil
	case pixBlur:
		return recognize.Outcome{Hints: []palm.Hint{palm.HintTooFar}}, nil
	}
	f.decided = false
	return recognize.Outcome{Hints: []palm.Hint{palm.HintNoHand}}, nil
}

func (f *fakes) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.decided = false
}

func (f *fakes) counts() (scans, locates, found int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.scans, f.locates, f.found
}

// bench runs a worker on a simulated camera at 20 fps in a synctest
// bubble, collecting its outputs.
type bench struct {
	cam  *camera.Sim
	fk   *fakes
	w    *Worker
	mu   sync.Mutex
	outs []Output
}

func newBench(t *testing.T) (*bench, context.CancelFunc, func()) {
	b := &bench{cam: newSimCam(), fk: &fakes{}}
	w, err := New(Config{Open: b.cam.Open, Codes: b.fk, Palms: b.fk, Stall: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	b.w = w
	stop := b.run()
	return b, stop, stop
}

func newSimCam() *camera.Sim { return camera.NewSim(64, 48, 20) }

// run starts the worker; the function returned stops it and waits.
func (b *bench) run() func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.w.Run(ctx, func(o Output) { b.mu.Lock(); b.outs = append(b.outs, o); b.mu.Unlock() }, func() {})
	}()
	return func() { cancel(); <-done }
}

func (b *bench) take() []Output {
	b.mu.Lock()
	defer b.mu.Unlock()
	o := b.outs
	b.outs = nil
	return o
}

func count[T Output](outs []Output) (n int) {
	for _, o := range outs {
		if _, ok := o.(T); ok {
			n++
		}
	}
	return n
}

// TestIdleCostsOnlyPresence: after learning the empty scene, an idle
// reader looking for codes or palms runs neither pipeline.
func TestIdleCostsOnlyPresence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, _, stop := newBench(t)
		defer stop()
		b.w.Look(LookForCodes)
		time.Sleep(2 * time.Second) // 40 frames: the empty scene is learned within 15
		scans, _, _ := b.fk.counts()
		time.Sleep(10 * time.Second)
		if again, _, _ := b.fk.counts(); again != scans || scans > emptyFrames+2 {
			t.Fatalf("code scans: %d while learning, %d after 10 s idle; want none after learning", scans, again-scans)
		}
		b.w.Look(LookForPalms)
		time.Sleep(10 * time.Second)
		if _, locates, _ := b.fk.counts(); locates != 0 {
			t.Fatalf("palm pipeline ran %d times with nothing in view", locates)
		}
		if outs := b.take(); count[CameraState](outs) != 1 {
			t.Fatalf("outputs %v: want the camera state once", outs)
		}
	})
}

// TestOneIdentificationPerPresentation: a hand held still is identified
// once; it must leave before it is identified again; guidance is sent on a
// change only.
func TestOneIdentificationPerPresentation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, _, stop := newBench(t)
		defer stop()
		b.w.Look(LookForPalms)
		time.Sleep(time.Second)
		b.take()
		b.cam.Show(frame(pixBlur))
		time.Sleep(time.Second)
		b.cam.Show(frame(pixHand))
		time.Sleep(3 * time.Second)
		outs := b.take()
		if n := count[Identified](outs); n != 1 {
			t.Fatalf("%d identifications of one presentation, want 1 (%v)", n, outs)
		}
		if n := count[Guidance](outs); n != 2 { // too far, then ready
			t.Fatalf("%d guidance changes, want 2 (%v)", n, outs)
		}
		_, locates, _ := b.fk.counts()
		time.Sleep(3 * time.Second) // still held: only the presence test runs
		if _, again, _ := b.fk.counts(); again != locates {
			t.Fatalf("the hand was located %d more times after its decision", again-locates)
		}
		b.cam.Show(nil)
		time.Sleep(time.Second)
		b.cam.Show(frame(pixHand))
		time.Sleep(time.Second)
		if n := count[Identified](b.take()); n != 1 {
			t.Fatalf("a new presentation gave %d identifications, want 1", n)
		}
	})
}

func TestCodeRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, _, stop := newBench(t)
		defer stop()
		b.w.Look(LookForCodes)
		time.Sleep(time.Second)
		b.cam.Show(frame(pixCode))
		time.Sleep(100 * time.Millisecond)
		outs := b.take()
		if count[CodeRead](outs) == 0 {
			t.Fatalf("no code read: %v", outs)
		}
	})
}

// TestCodeUnreadable: a code in view that cannot be read is told once it
// has been seen in three frames in a row, and its leaving once it has
// been gone for half a second; a frame or two of it is not told.
func TestCodeUnreadable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, _, stop := newBench(t)
		defer stop()
		b.w.Look(LookForCodes)
		time.Sleep(time.Second) // the empty scene is learned
		b.cam.Show(frame(pixGlimpse))
		time.Sleep(70 * time.Millisecond) // one or two frames at 20 fps
		b.cam.Show(frame(pixEmpty))
		time.Sleep(time.Second)
		if outs := b.take(); count[CodeUnreadable](outs) != 0 {
			t.Fatalf("two frames told: %v", outs)
		}
		b.cam.Show(frame(pixGlimpse))
		time.Sleep(time.Second)
		if outs := b.take(); !slices.Equal(codesTold(outs), []bool{true}) {
			t.Fatalf("in view: %v", outs)
		}
		b.cam.Show(frame(pixEmpty))
		time.Sleep(time.Second)
		if outs := b.take(); !slices.Equal(codesTold(outs), []bool{false}) {
			t.Fatalf("gone: %v", outs)
		}
	})
}

func codesTold(outs []Output) (told []bool) {
	for _, o := range outs {
		if c, ok := o.(CodeUnreadable); ok {
			told = append(told, c.InView)
		}
	}
	return told
}

// TestCameraUnplugged: frames stop, the camera state says so once; the
// camera is reopened when it is back and the state says so once.
func TestCameraUnplugged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, _, stop := newBench(t)
		defer stop()
		time.Sleep(time.Second)
		if outs := b.take(); len(outs) != 1 || outs[0] != (CameraState{Delivering: true}) {
			t.Fatalf("outputs at start %v", outs)
		}
		b.cam.Unplug()
		time.Sleep(5 * time.Second)
		if outs := b.take(); len(outs) != 1 || outs[0] != (CameraState{Delivering: false}) {
			t.Fatalf("outputs while unplugged %v", outs)
		}
		b.cam.Plug()
		time.Sleep(maxReopen + time.Second)
		if outs := b.take(); len(outs) != 1 || outs[0] != (CameraState{Delivering: true}) {
			t.Fatalf("outputs after plugging back %v", outs)
		}
	})
}
