package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/palmd/palmd/biometric/eval"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/drivers/atomicfile"
)

// normalSample draws n distances around 0.42, shifted by mean's offset,
// as a set of impostor comparisons might lie.
func normalSample(seed uint64, n int, mean float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	d := make([]float64, n)
	for i := range d {
		d[i] = min(1, max(0, mean+0.04*rng.NormFloat64()))
	}
	return d
}

// TestTailCommand: one file's pooled table is that set's own to the last
// digit, two files pool into the table of both samples together, and
// the per-file lines show each set's tail.
func TestTailCommand(t *testing.T) {
	dir := t.TempDir()
	a, b := normalSample(1, 60000, 0.42), normalSample(2, 90000, 0.40)
	fa, fb := filepath.Join(dir, "a.imp"), filepath.Join(dir, "b.imp")
	for name, d := range map[string][]float64{fa: a, fb: b} {
		if err := writeSampleFile(name, d); err != nil {
			t.Fatal(err)
		}
	}
	literal := func(d []float64) string {
		tail, err := match.MeasureTail(d)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("var PalmTail = %#v\n", tail)
	}
	tests := []struct {
		name  string
		files []string
		want  []float64
	}{
		{"one set", []string{fa}, a},
		{"two sets pooled", []string{fa, fb}, slices.Concat(a, b)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := dispatch(context.Background(), append([]string{"tail"}, tc.files...), &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if !strings.HasSuffix(out.String(), literal(tc.want)) {
				t.Errorf("printed\n%s\nwant the table of %d distances:\n%s", out.String(), len(tc.want), literal(tc.want))
			}
			for _, f := range tc.files {
				if !strings.Contains(out.String(), f+" ") {
					t.Errorf("no line for %s in\n%s", f, out.String())
				}
			}
			if !strings.Contains(out.String(), fmt.Sprintf("pooled                   %d comparisons", len(tc.want))) {
				t.Errorf("no pooled line of %d comparisons in\n%s", len(tc.want), out.String())
			}
		})
	}
}

// TestTailCheckLine: --check-line prints, after the table, the line's
// error at each rate only the pool measured (a normal sample's line is
// its tail's own shape, so the medians are small); a subsample of the
// whole pool is refused.
func TestTailCheckLine(t *testing.T) {
	f := filepath.Join(t.TempDir(), "a.imp")
	if err := writeSampleFile(f, normalSample(4, 200_000, 0.42)); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := dispatch(context.Background(), []string{"tail", "--check-line", "10", f}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	_, check, ok := strings.Cut(out.String(), "line check: 60 subsamples of one distance in 10 (about 20000 each)")
	if !ok {
		t.Fatalf("no line check in\n%s", out.String())
	}
	rates := 0
	for _, line := range strings.Split(strings.TrimSpace(check), "\n")[1:] {
		var fmr, measured, median, p5, p95 float64
		if _, err := fmt.Sscanf(line, " %g measured %g median %g p5 %g p95 %g", &fmr, &measured, &median, &p5, &p95); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if fmr >= 1e-3 || median < -0.01 || median > 0.01 || p5 > median || p95 < median {
			t.Errorf("line %q: want a rate below the subsamples' 1e-3 and a median within 0.01", line)
		}
		rates++
	}
	if rates == 0 {
		t.Errorf("no rates checked in\n%s", check)
	}
	if code := dispatch(context.Background(), []string{"tail", "--check-line", "1", f}, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
		t.Errorf("--check-line 1: exit %d, want 2", code)
	}
}

// TestTailRefusesDamagedFiles: a file that is not a sample, a distance
// outside [0, 1], a missing file and too small a pool each fail with
// the reason, and print no table.
func TestTailRefusesDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small := filepath.Join(dir, "small.imp")
	if err := writeSampleFile(small, normalSample(3, 500, 0.42)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, reason string
	}{
		{"no header", write("csv.imp", "0.31\n0.32\n"), "not a file of impostor distances"},
		{"empty", write("empty.imp", ""), "not a file of impostor distances"},
		{"above one", write("big.imp", sampleHeader+"\n0.3\n1.5\n"), "line 3"},
		{"not a number", write("nan.imp", sampleHeader+"\nNaN\n"), "line 2"},
		{"negative", write("neg.imp", sampleHeader+"\n0.2\n\n-0.1\n"), "line 4"},
		{"missing", filepath.Join(dir, "none.imp"), "no such file"},
		{"pair cut short", write("short.pairs", pairsHeader+"\nh/left\t0\tg/left\t0\t0.3\t0.3\n"), "line 2: not a pair"},
		{"pair neither mated nor not", write("mated.pairs", pairsHeader+"\nh/left\t0\tg/left\t2\t0.3\t0.3\t1\t0.3\t300\n"), "line 2: not a pair"},
		{"pair's score above one", write("score.pairs", pairsHeader+"\nh/left\t0\tg/left\t0\t0.3\t0.3\t1\t1.3\t300\n"), "line 2"},
		{"too few", small, "at least 2,000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := dispatch(context.Background(), []string{"tail", tc.file}, &out, &errb)
			if code != 1 || !strings.Contains(errb.String(), tc.reason) || strings.Contains(out.String(), "var PalmTail") {
				t.Errorf("exit %d, stderr %q, stdout %q; want 1 and %q", code, errb.String(), out.String(), tc.reason)
			}
		})
	}
	var out, errb bytes.Buffer
	if code := dispatch(context.Background(), []string{"tail", "--unscaled", small}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "--pairs-out") {
		t.Errorf("--unscaled on a file of scores: exit %d, %q", code, errb.String())
	}
	if code := dispatch(context.Background(), []string{"tail"}, &bytes.Buffer{}, &errb); code != 2 {
		t.Errorf("no files: exit %d, want 2", code)
	}
}

// FuzzReadSample: whatever the bytes, reading never panics, and what it
// accepts are distances that write and read back the same.
func FuzzReadSample(f *testing.F) {
	f.Add([]byte(sampleHeader + "\n0.25\n0.3125\n"))
	f.Add([]byte(sampleHeader + "\n1e-3\n\n1\n0\n"))
	f.Add([]byte("0.25\n"))
	f.Add([]byte(sampleHeader + "\n+Inf\n"))
	f.Add([]byte(pairsHeader + "\nh/left\t0\tg/left\t0\t0.3\t0.31\t0.2\t0.2\t300\nh/left\t0\th/left\t1\t0.1\t0.1\t1\t0.1\t400\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := readSample(bytes.NewReader(b), true); err == nil {
			for _, v := range d {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("--unscaled accepted %v", v)
				}
			}
		}
		d, err := readSample(bytes.NewReader(b), false)
		if err != nil {
			return
		}
		for _, v := range d {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("accepted %v", v)
			}
		}
		var buf bytes.Buffer
		if err := writeSample(&buf, d); err != nil {
			t.Fatal(err)
		}
		again, err := readSample(&buf, false)
		if err != nil || !slices.Equal(again, d) {
			t.Fatalf("round trip: %v, %v != %v", err, again, d)
		}
	})
}

// TestTailPairs: a --pairs-out file pools its impostor pairs' scores,
// or with --unscaled the lower of each one's first and look distances;
// its mated pairs are left out either way.
func TestTailPairs(t *testing.T) {
	first, look := normalSample(5, 3000, 0.42), normalSample(6, 3000, 0.44)
	var pairs []eval.Pair
	var scores, unscaled []float64
	for i := range first {
		c := eval.Comparison{First: first[i], Scaled: min(1, first[i]+0.01), Look: 1, Cells: 300}
		if i%3 == 0 {
			c.Look = look[i] // a look taken
		}
		c.Score = c.Scaled
		if c.Look < c.First {
			c.Score = min(c.Score, c.Look)
		}
		pairs = append(pairs, eval.Pair{Probe: fmt.Sprintf("p%d/left", i), Hand: "q/left", Comparison: c})
		scores, unscaled = append(scores, c.Score), append(unscaled, min(c.First, c.Look))
		if i%10 == 0 { // a mated pair, far below every impostor
			pairs = append(pairs, eval.Pair{Probe: "q/left", Hand: "q/left", Comparison: eval.Comparison{First: 0.01, Scaled: 0.01, Look: 1, Score: 0.01}})
		}
	}
	name := filepath.Join(t.TempDir(), "set.pairs")
	if err := atomicfile.WriteFrom(name, 0o644, func(w io.Writer) error { return writePairs(w, pairs) }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []float64
	}{
		{"scores", []string{"tail", name}, scores},
		{"unscaled", []string{"tail", "--unscaled", name}, unscaled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := dispatch(context.Background(), tc.args, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			want, err := match.MeasureTail(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(out.String(), fmt.Sprintf("var PalmTail = %#v\n", want)) {
				t.Errorf("printed\n%s\nwant the table of the %d impostor pairs' %s", out.String(), len(tc.want), tc.name)
			}
		})
	}
}
