package camera

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

func TestReplayDirectory(t *testing.T) {
	dir := t.TempDir()
	for i, v := range []uint8{10, 20, 30} {
		img := image.NewRGBA(image.Rect(0, 0, 8, 6)) // colour files become grey
		for p := range img.Pix {
			img.Pix[p] = v
		}
		f, _ := os.Create(filepath.Join(dir, "f"+strconv.Itoa(i)+".png"))
		_ = png.Encode(f, img)
		f.Close()
	}
	_ = os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("skipped"), 0o644)
	for _, loop := range []bool{false, true} {
		src, err := OpenReplay(ReplayConfig{Path: dir, Loop: loop})
		if err != nil {
			t.Fatal(err)
		}
		var got []uint8
		for range 4 {
			f, err := src.Next(context.Background())
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, f.Image.GrayAt(0, 0).Y)
		}
		want := "[10 20 30]"
		if loop {
			want = "[10 20 30 10]"
		}
		if fmtBytes(got) != want {
			t.Errorf("loop=%v: frames %v, want %s", loop, got, want)
		}
		src.Close()
	}
	if _, err := OpenReplay(ReplayConfig{Path: t.TempDir()}); err == nil {
		t.Error("an empty directory opened")
	}
}

func fmtBytes(b []uint8) string {
	s := make([]string, len(b))
	for i, v := range b {
		s[i] = strconv.Itoa(int(v))
	}
	return "[" + strings.Join(s, " ") + "]"
}

// writeVideo records n grey frames of 64×48 as MJPG.
func writeVideo(t testing.TB, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "palm.avi")
	vw, err := gocv.VideoWriterFile(path, "MJPG", 30, 64, 48, false)
	if err != nil || !vw.IsOpened() {
		t.Skipf("OpenCV cannot write MJPG here: %v", err)
	}
	defer vw.Close()
	for i := range n {
		m := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(float64(i*4%250), 0, 0, 0), 48, 64, gocv.MatTypeCV8U)
		if err := vw.Write(m); err != nil {
			t.Fatal(err)
		}
		m.Close()
	}
	return path
}

func TestReplayVideo(t *testing.T) {
	path := writeVideo(t, 20)
	src, err := OpenReplay(ReplayConfig{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	n := 0
	for {
		f, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.Image.Rect.Dx() != 64 || f.Image.Rect.Dy() != 48 {
			t.Fatalf("frame %v", f.Image.Rect)
		}
		if d := int(f.Image.GrayAt(10, 10).Y) - n*4; d < -8 || d > 8 {
			t.Fatalf("frame %d has grey %d", n, f.Image.GrayAt(10, 10).Y)
		}
		n++
	}
	if n != 20 {
		t.Fatalf("%d frames, want 20", n)
	}
	if _, err := src.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("after the end: %v", err)
	}
}

// TestSoakNoGrowth reads 10,000 frames and checks that resident memory
// does not grow after the first thousand: every Mat is reused or closed.
func TestSoakNoGrowth(t *testing.T) {
	if testing.Short() {
		t.Skip("soak")
	}
	src, err := OpenReplay(ReplayConfig{Path: writeVideo(t, 200), Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var base int64
	for i := range 10000 {
		if _, err := src.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
		if i == 1000 {
			runtime.GC()
			base = rss(t)
		}
	}
	runtime.GC()
	if grew := rss(t) - base; grew > 8<<20 {
		t.Errorf("RSS grew %d KiB over 9,000 frames", grew>>10)
	}
}

func rss(t *testing.T) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc")
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmRSS")
	return 0
}

func TestOpenDeviceFails(t *testing.T) {
	if _, err := OpenDevice(DeviceConfig{Path: "/dev/video-none"}); err == nil {
		t.Fatal("opened a missing device")
	}
}

func TestSim(t *testing.T) {
	dev := NewSim(32, 24, 200)
	cam, err := dev.Open()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	f, err := cam.Next(ctx)
	if err != nil || f.Image.GrayAt(0, 0).Y != 8 {
		t.Fatalf("empty scene: %v %v", f.Image.GrayAt(0, 0), err)
	}
	scene := image.NewGray(image.Rect(0, 0, 32, 24))
	scene.SetGray(5, 5, color.Gray{Y: 200})
	dev.Show(scene)
	scene.SetGray(5, 5, color.Gray{Y: 1}) // the camera filmed a copy
	f, _ = cam.Next(ctx)
	if f.Image.GrayAt(5, 5).Y != 200 || f.Seq != 2 {
		t.Fatalf("shown scene: %v seq %d", f.Image.GrayAt(5, 5), f.Seq)
	}
	start := time.Now()
	for range 4 {
		_, _ = cam.Next(ctx)
	}
	if time.Since(start) < 15*time.Millisecond {
		t.Error("frames not paced at 200 fps")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := cam.Next(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	cam.Close()
	if _, err := cam.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("closed: %v", err)
	}
}

// TestSimUnplug: an unplugged camera fails its open source and refuses to
// open until it is plugged back; the source from before stays dead, as a
// file descriptor of a removed USB device does.
func TestSimUnplug(t *testing.T) {
	dev := NewSim(8, 8, 1000)
	ctx := context.Background()
	before, err := dev.Open()
	if err != nil {
		t.Fatal(err)
	}
	dev.Unplug()
	if _, err := before.Next(ctx); !errors.Is(err, ErrUnplugged) {
		t.Fatalf("Next after unplug: %v", err)
	}
	if _, err := dev.Open(); !errors.Is(err, ErrUnplugged) {
		t.Fatalf("Open while unplugged: %v", err)
	}
	dev.Plug()
	if _, err := before.Next(ctx); !errors.Is(err, ErrUnplugged) {
		t.Fatalf("a source from before the unplug works again: %v", err)
	}
	after, err := dev.Open()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := after.Next(ctx); err != nil {
		t.Fatalf("Next after plugging back in: %v", err)
	}
}
