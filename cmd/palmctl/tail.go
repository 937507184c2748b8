package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/drivers/atomicfile"
)

const tailUsage = `usage: palmctl tail [--check-line N] [--unscaled] FILE...

Pools the impostor distances palmctl eval --tail-out wrote for several sets
and prints the tail measured on all of them, as the Go literal of a
match.Tail. A file palmctl eval --pairs-out wrote serves as well: its
impostor pairs' scores, or with --unscaled the distances the same run
would count without the probes' cohorts (the first distance, or the
look's where lower), so that one run measures both tables. One set's tail rests on its people: comparisons of two hands
are correlated across their captures, so sets of one population differ
by more than their comparison counts suggest, and a table pooled over
several sets and many people is the one a reader can trust.

With --check-line N it also checks the line the table extrapolates below
its deepest rate: it keeps one distance in N of the pool, many times over,
and prints how far each subsample's threshold lands from the pool's
measured distance at the rates only the pool reaches (negative: stricter
than measured).`

// lineCheckRounds is how many subsamples --check-line draws: enough for
// its 5th and 95th percentiles to rest on three subsamples each.
const lineCheckRounds = 60

// sampleHeader opens a file of impostor distances (palmctl eval
// --tail-out); a version in it lets the format change without a later
// palmctl misreading an old file.
const sampleHeader = "# palmctl impostor distances v1"

func runTail(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, tailUsage) }
	checkLine := fs.Int("check-line", 0, "also check the extrapolation line on subsamples of one distance in this many")
	unscaled := fs.Bool("unscaled", false, "read --pairs-out files' impostor distances as a run without the cohort counts them")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 || *checkLine == 1 || *checkLine < 0 {
		fs.Usage()
		return 2
	}
	var pooled []float64
	for _, name := range fs.Args() {
		d, err := readSampleFile(name, *unscaled)
		if err != nil {
			fmt.Fprintln(stderr, "palmctl tail:", err)
			return 1
		}
		t, err := match.MeasureTail(d)
		fmt.Fprintf(stdout, "%-24s %s\n", name, tailSummary(len(d), t, err))
		pooled = append(pooled, d...)
	}
	t, err := match.MeasureTail(pooled)
	if err != nil {
		fmt.Fprintln(stderr, "palmctl tail: pooled:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%-24s %s\n", "pooled", tailSummary(len(pooled), t, nil))
	fmt.Fprintf(stdout, "var PalmTail = %#v\n", t)
	if *checkLine > 0 {
		return printLineCheck(stdout, stderr, pooled, *checkLine)
	}
	return 0
}

// printLineCheck prints match.CheckLine's figures for the pool.
func printLineCheck(stdout, stderr io.Writer, pooled []float64, keep int) int {
	checks, err := match.CheckLine(pooled, keep, lineCheckRounds, 1)
	if err != nil {
		fmt.Fprintln(stderr, "palmctl tail: --check-line:", err)
		return 1
	}
	fmt.Fprintf(stdout, "line check: %d subsamples of one distance in %d (about %d each); their threshold minus the pool's measured distance:\n",
		lineCheckRounds, keep, len(pooled)/keep)
	for _, c := range checks {
		fmt.Fprintf(stdout, "  %.0e  measured %.4f  median %+.4f  p5 %+.4f  p95 %+.4f\n", c.FMR, c.Measured, c.Median, c.P5, c.P95)
	}
	return 0
}

// tailSummary is one sample's size and its tail at 1e-5 and 1e-9, to
// show how far the pooled sets differ.
func tailSummary(n int, t match.Tail, err error) string {
	if err != nil {
		return fmt.Sprintf("%d comparisons: %v", n, err)
	}
	return fmt.Sprintf("%d comparisons, FMR 1e-5 below %.4f, 1e-9 %.4f", n, t.Threshold(1e-5), t.Threshold(1e-9))
}

// readSampleFile reads a file of impostor distances (--tail-out) or the
// impostor pairs of a --pairs-out file (readPairsSample).
func readSampleFile(name string, unscaled bool) ([]float64, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := readSample(f, unscaled)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

// writeSampleFile writes impostor distances for palmctl tail, through a
// temporary file so that an interrupted run leaves no half a sample.
func writeSampleFile(name string, d []float64) error {
	if err := atomicfile.WriteFrom(name, 0o644, func(w io.Writer) error { return writeSample(w, d) }); err != nil {
		return fmt.Errorf("writing impostor distances to %s: %w", name, err)
	}
	return nil
}

// writeSample writes the header, then each distance on a line in the
// shortest form that reads back exactly, so a pooled table of one file
// is that set's own table to the last digit.
func writeSample(w io.Writer, d []float64) error {
	b := bufio.NewWriter(w)
	b.WriteString(sampleHeader + "\n")
	var buf []byte
	for _, v := range d {
		buf = strconv.AppendFloat(buf[:0], v, 'g', -1, 64)
		buf = append(buf, '\n')
		if _, err := b.Write(buf); err != nil {
			return err
		}
	}
	return b.Flush()
}

// readSample reads what writeSample wrote, or what writePairs wrote
// (readPairsSample). A distance is a fraction of disagreeing bits:
// anything outside [0, 1] is a damaged file, and is refused with its
// line rather than skewing a table.
func readSample(r io.Reader, unscaled bool) ([]float64, error) {
	s := bufio.NewScanner(r)
	s.Scan()
	switch strings.TrimSpace(s.Text()) {
	case sampleHeader:
		if unscaled {
			return nil, errors.New("--unscaled needs a file of pairs (palmctl eval --pairs-out): this one holds the scores only")
		}
	case pairsHeader:
		return readPairsSample(s, unscaled)
	default:
		if err := s.Err(); err != nil {
			return nil, err
		}
		return nil, errors.New("not a file of impostor distances (palmctl eval --tail-out or --pairs-out)")
	}
	var d []float64
	for line := 2; s.Scan(); line++ {
		text := strings.TrimSpace(s.Text())
		if text == "" {
			continue
		}
		v, err := parseDistance(text)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		d = append(d, v)
	}
	return d, s.Err()
}

// readPairsSample reads the impostor pairs of a --pairs-out file after
// its header: each one's score, or unscaled the distance a run without
// the cohort counts, the lower of the first distance and the look's
// (eval.Comparison: without a cohort Scaled is First).
func readPairsSample(s *bufio.Scanner, unscaled bool) ([]float64, error) {
	fields := strings.Count(pairsHeader, "\t") + 1
	var d []float64
	for line := 2; s.Scan(); line++ {
		f := strings.Split(s.Text(), "\t")
		if len(f) != fields || (f[pairsMated] != "0" && f[pairsMated] != "1") {
			return nil, fmt.Errorf("line %d: not a pair of palmctl eval --pairs-out", line)
		}
		if f[pairsMated] == "1" {
			continue
		}
		v, err := parseDistance(f[pairsScore])
		if unscaled {
			var look float64
			v, err = parseDistance(f[pairsFirst])
			if err == nil {
				look, err = parseDistance(f[pairsLook])
				v = min(v, look)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		d = append(d, v)
	}
	return d, s.Err()
}

// parseDistance reads one distance, refusing anything outside [0, 1].
func parseDistance(text string) (float64, error) {
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 1 {
		return 0, fmt.Errorf("%q is not a distance between 0 and 1", text)
	}
	return v, nil
}
