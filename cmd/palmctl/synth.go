package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/palmd/palmd/biometric/synth"
)

const synthUsage = `usage: palmctl synth --out DIR [--people N] [--hands 1|2] [--captures N] [--negatives N] [--seed S] [--jobs N]

Renders near-infrared hand photos of synthetic people into DIR with a
manifest.csv that palmctl eval reads.`

func runSynth(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, synthUsage) }
	out := fs.String("out", "", "output directory")
	var c synth.SetConfig
	fs.IntVar(&c.People, "people", 50, "synthetic people")
	fs.IntVar(&c.Hands, "hands", 2, "hands per person (1 or 2)")
	fs.IntVar(&c.Captures, "captures", 8, "captures per hand")
	fs.IntVar(&c.Negatives, "negatives", 30, "images without a usable palm in _negatives/")
	fs.Uint64Var(&c.Seed, "seed", 1, "set seed: the same seed renders the same set")
	fs.IntVar(&c.Jobs, "jobs", runtime.NumCPU(), "parallel renderers")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	start := time.Now()
	if err := synth.WriteSet(*out, c); err != nil {
		fmt.Fprintln(stderr, "palmctl synth:", err)
		return 1
	}
	n := c.People * c.Hands * c.Captures
	fmt.Fprintf(stdout, "wrote %d images and %d negatives to %s in %s\n", n, c.Negatives, *out, time.Since(start).Round(time.Millisecond))
	return 0
}
