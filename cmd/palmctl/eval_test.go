package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/palmd/palmd/biometric/palm/palmtest"
	"github.com/palmd/palmd/biometric/template"
)

func TestEvalCommand(t *testing.T) {
	dir := t.TempDir()
	manifest := "path,identity,hand,capture\n"
	for p := range 3 {
		h := palmtest.NewHand(uint64(50 + p))
		for c := range 3 {
			name := fmt.Sprintf("%d_%d.png", p, c)
			f, err := os.Create(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			pose := palmtest.Centred
			pose.Deg = float64(c * 5)
			if err := png.Encode(f, h.Render(pose, uint64(c))); err != nil {
				t.Fatal(err)
			}
			f.Close()
			manifest += fmt.Sprintf("%s,id%d,left,%d\n", name, p, c)
		}
	}
	manifest += "broken.png,id0,left,9\n"
	if err := os.WriteFile(filepath.Join(dir, "broken.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.csv"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	sample := filepath.Join(t.TempDir(), "impostors")
	pairs := filepath.Join(t.TempDir(), "pairs")
	if code := dispatch(context.Background(), []string{"eval", "--json", "--threshold", "0.32", "--tail-out", sample, "--pairs-out", pairs, dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Images, Acquired, Probes, Genuine, Impostor int
		FTA                                         float64
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Images != 10 || rep.Acquired != 9 || rep.Probes != 3 || !strings.Contains(errb.String(), "broken.png") {
		t.Fatalf("report %+v, stderr %q", rep, errb.String())
	}
	// --tail-out writes every impostor comparison, for palmctl tail.
	if d, err := readSampleFile(sample, false); err != nil || len(d) != rep.Impostor || rep.Impostor == 0 {
		t.Errorf("--tail-out wrote %d distances (%v), the report counts %d impostor comparisons", len(d), err, rep.Impostor)
	}
	checkPairsFile(t, pairs, rep.Genuine, rep.Impostor)
	checkUnscaled(t, dir, pairs)
	out.Reset()
	if code := dispatch(context.Background(), []string{"eval", "--threshold", "0.32", dir}, &out, &errb); code != 0 || !strings.Contains(out.String(), "EER") {
		t.Fatalf("text report: %d %q", code, out.String())
	}
	out.Reset()
	if code := dispatch(context.Background(), []string{"eval", "--cohort", "--threshold", "0.32", dir}, &out, &errb); code != 0 || !strings.Contains(out.String(), "scaled by its cohort") {
		t.Fatalf("--cohort: %d %q", code, out.String())
	}
	out.Reset()
	if code := dispatch(context.Background(), []string{"eval", "--cohort=false", "--threshold", "0.32", dir}, &out, &errb); code != 0 || strings.Contains(out.String(), "cohort") {
		t.Fatalf("--cohort=false: %d %q", code, out.String())
	}
	errb.Reset()
	if code := dispatch(context.Background(), []string{"eval", "--stack", dir}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "cohort") {
		t.Errorf("--stack with the cohort: exit %d, %q", code, errb.String())
	}
	// An output that cannot be written is refused before the run, not
	// after it.
	for _, flag := range []string{"--tail-out", "--pairs-out"} {
		errb.Reset()
		bad := filepath.Join(t.TempDir(), "missing", "f")
		if code := dispatch(context.Background(), []string{"eval", flag, bad, dir}, &out, &errb); code != 2 || !strings.Contains(errb.String(), flag) || strings.Contains(errb.String(), "broken.png") {
			t.Errorf("%s into a missing directory: exit %d, %q", flag, code, errb.String())
		}
	}
	if code := dispatch(context.Background(), []string{"eval", t.TempDir()}, &out, &errb); code != 1 {
		t.Errorf("a directory without manifest: exit %d", code)
	}
}

// checkPairsFile: --pairs-out wrote the header and one line for each
// comparison, mated ones marked, every distance a fraction.
func checkPairsFile(t *testing.T, name string, genuine, impostor int) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if lines[0] != pairsHeader || len(lines)-1 != genuine+impostor {
		t.Fatalf("--pairs-out: header %q and %d pairs, the report counts %d + %d comparisons", lines[0], len(lines)-1, genuine, impostor)
	}
	mated := 0
	for _, line := range lines[1:] {
		f := strings.Split(line, "\t")
		if len(f) != 9 {
			t.Fatalf("--pairs-out line %q: %d fields", line, len(f))
		}
		if f[3] == "1" {
			mated++
			if f[0] != f[2] {
				t.Errorf("mated pair of two hands: %q", line)
			}
		}
		for _, v := range f[4:8] {
			if d, err := strconv.ParseFloat(v, 64); err != nil || d < 0 || d > 1 {
				t.Errorf("--pairs-out line %q: distance %q", line, v)
			}
		}
		if n, err := strconv.Atoi(f[8]); err != nil || n < 0 || n > template.Rows*template.Cols {
			t.Errorf("--pairs-out line %q: cells %q", line, f[8])
		}
	}
	if mated != genuine {
		t.Errorf("--pairs-out marks %d pairs mated, the report counts %d genuine comparisons", mated, genuine)
	}
}

// checkUnscaled: the impostor distances palmctl tail --unscaled reads
// from a cohort run's pairs are the ones a run without the cohort counts
// (--cohort=false --tail-out), so one run measures both tables.
func checkUnscaled(t *testing.T, dir, pairs string) {
	t.Helper()
	sample := filepath.Join(t.TempDir(), "unscaled")
	var out, errb bytes.Buffer
	if code := dispatch(context.Background(), []string{"eval", "--cohort=false", "--threshold", "0.32", "--tail-out", sample, dir}, &out, &errb); code != 0 {
		t.Fatalf("--cohort=false: exit %d: %s", code, errb.String())
	}
	want, err := readSampleFile(sample, false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readSampleFile(pairs, true)
	if err != nil {
		t.Fatal(err)
	}
	scores, err := readSampleFile(pairs, false)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	slices.Sort(got)
	slices.Sort(scores)
	if !slices.Equal(got, want) {
		t.Errorf("--unscaled read %v from the pairs, the run without the cohort counted %v", got, want)
	}
	if slices.Equal(scores, want) {
		t.Errorf("the pairs' scores are the unscaled distances %v: the cohort scaled nothing", want)
	}
}
