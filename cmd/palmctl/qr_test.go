package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palmd/palmd/firmware/qr/qrtest"
)

// TestQRDecode: one JSON line per file, in order; a file without a code,
// a missing file and a file that is no image are failures that name the
// reason, and the exit code says something failed.
func TestQRDecode(t *testing.T) {
	dir := t.TempDir()
	s, err := qrtest.NewScene(qrtest.Clean, 1)
	if err != nil {
		t.Fatal(err)
	}
	img, truth, err := s.Render(0)
	if err != nil {
		t.Fatal(err)
	}
	code := filepath.Join(dir, "code.png")
	writePNG(t, code, img)
	blank := filepath.Join(dir, "blank.png")
	writePNG(t, blank, image.NewGray(image.Rect(0, 0, 320, 240)))
	text := filepath.Join(dir, "notes.png")
	if err := os.WriteFile(text, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{code, blank, filepath.Join(dir, "missing.png"), text}

	var stdout, stderr bytes.Buffer
	if rc := runQR(context.Background(), append([]string{"decode"}, files...), &stdout, &stderr); rc != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", rc, stderr.String())
	}
	var lines []qrLine
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var l qrLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	if len(lines) != len(files) {
		t.Fatalf("%d lines for %d files", len(lines), len(files))
	}
	if l := lines[0]; !l.OK || l.Payload != truth.Payload || l.File != code || l.MS <= 0 {
		t.Errorf("code: %+v", l)
	}
	for i, want := range []string{"no QR code found", "no such file", "not a PNG or JPEG"} {
		if l := lines[i+1]; l.OK || !strings.Contains(l.Error, want) {
			t.Errorf("%s: %+v, want an error with %q", files[i+1], l, want)
		}
	}
}

func TestQRUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"decode"}, {"scan"}, {"bench", "--scenes", "0"}} {
		var stdout, stderr bytes.Buffer
		if rc := runQR(context.Background(), args, &stdout, &stderr); rc != 2 {
			t.Errorf("%v: exit %d, want 2", args, rc)
		}
	}
}

// TestQRBench: the bench scores palmd's cascade and the references per
// category, and the frame count agrees with the single-frame reads.
func TestQRBench(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if rc := runQR(context.Background(), []string{"bench", "--scenes", "2", "--frames", "3", "--json"}, &stdout, &stderr); rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr.String())
	}
	var out struct{ Rows []qrRow }
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Rows) != len(qrtest.Categories())+1 {
		t.Fatalf("%d rows", len(out.Rows))
	}
	all := out.Rows[len(out.Rows)-1]
	if all.Category != "overall" || all.Scenes != 2*len(qrtest.Categories()) {
		t.Fatalf("overall row %+v", all)
	}
	palmd, bare := all.Single["palmd"], all.Single["gozxing"]
	if palmd.Decoded < bare.Decoded || palmd.Decoded == 0 {
		t.Errorf("palmd read %d, bare gozxing %d", palmd.Decoded, bare.Decoded)
	}
	for _, r := range out.Rows[:len(out.Rows)-1] {
		f := r.Frames
		switch {
		case f == nil:
			t.Fatalf("%s: no frame count", r.Category)
		case f.Read > r.Scenes || f.Max > 3 || (f.Read > 0 && (f.Median < 1 || f.FrameMedMS <= 0)):
			t.Errorf("%s: frames %+v", r.Category, *f)
		case r.Category == string(qrtest.Clean) && f.Read == 0:
			t.Errorf("clean: the scanner read nothing in 3 frames")
		}
	}
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
