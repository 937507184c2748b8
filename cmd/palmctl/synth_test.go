package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSynthCommand(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no output directory", []string{"--people", "1"}, 2},
		{"stray argument", []string{"--out", dir, "extra"}, 2},
		{"three hands", []string{"--out", dir, "--people", "1", "--hands", "3", "--captures", "1"}, 1},
		{"a set", []string{"--out", dir, "--people", "2", "--hands", "1", "--captures", "2", "--negatives", "2", "--seed", "9", "--jobs", "2"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := runSynth(context.Background(), tc.args, &stdout, &stderr); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
		})
	}
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 5 || lines[0] != "path,identity,hand,capture" {
		t.Fatalf("manifest:\n%s", raw)
	}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) != 4 || f[2] != "right" {
			t.Errorf("manifest row %q", l)
		}
		if _, err := os.Stat(filepath.Join(dir, f[0])); err != nil {
			t.Errorf("row %q: %v", l, err)
		}
	}
	if neg, _ := filepath.Glob(filepath.Join(dir, "_negatives", "*.png")); len(neg) != 2 {
		t.Errorf("%d negatives, want 2", len(neg))
	}
}

// TestSynthRegistration: --registration prints a row per capture
// condition with the located hands and the four mated distances, how many
// captures turned from their enrolment, and how many enrolments were
// placed off their hand.
func TestSynthRegistration(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runSynth(context.Background(), []string{"--registration", "2", "--seed", "4"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var careful []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "careful" {
			careful = f
		}
	}
	// condition, located, seven "median / p95" pairs, then missed (truth, gate)
	if len(careful) != 2+7*3+3 || careful[1] != "2/2" {
		t.Fatalf("careful row %q in:\n%s", careful, stdout.String())
	}
	if len(lines) != 3+15+3 {
		t.Fatalf("%d lines, want a header of 3, 15 conditions, the captures missed, the captures turned and the enrolments off axis:\n%s", len(lines), stdout.String())
	}
	located, missed, truthWould, gated := 0, 0, 0, 0
	for _, l := range lines[3 : 3+15] {
		f := strings.Fields(l)
		var n, of, m, tw, g int
		if _, err := fmt.Sscanf(f[1]+" "+strings.Join(f[len(f)-3:], " "), "%d/%d %d (%d, %d)", &n, &of, &m, &tw, &g); err != nil || m > n || tw > m || g > m {
			t.Fatalf("row %q: located %d, missed %d, of which the truth would match %d and the outline beyond the gate %d (%v)", l, n, m, tw, g, err)
		}
		located, missed, truthWould, gated = located+n, missed+m, truthWould+tw, gated+g
	}
	var allMissed, allTruth, allGated int
	line := lines[len(lines)-3]
	if _, err := fmt.Sscanf(line[strings.Index(line, "; ")+2:], "%d in all, of which the ground truth's cut would match %d", &allMissed, &allTruth); err != nil || allMissed != missed || allTruth != truthWould {
		t.Errorf("line %q, want the rows' %d missed, %d of them matched by the ground truth's cut (%v)", line, missed, truthWould, err)
	}
	if _, err := fmt.Sscanf(line[strings.LastIndex(line, "; ")+2:], "and the outline's look %d", &allGated); err != nil || allGated != gated {
		t.Errorf("line %q, want the rows' %d the outline's look would match beyond the gate (%v)", line, gated, err)
	}
	var turned, of int
	line = lines[len(lines)-2]
	if _, err := fmt.Sscanf(line[strings.LastIndex(line, ": ")+2:], "%d of %d", &turned, &of); err != nil || !strings.Contains(line, "turned 6° or more") || of != located || turned > of {
		t.Errorf("line %q, want the captures turned of the %d the rows located", line, located)
	}
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, ": 0 of 2 (the rows cannot show these)") {
		t.Errorf("last line %q, want no enrolment of 2 off axis", last)
	}
}
