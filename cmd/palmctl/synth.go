package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/palmd/palmd/biometric/eval"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/synth"
)

const synthUsage = `usage: palmctl synth --out DIR | --registration N [--people N] [--hands 1|2] [--captures N] [--negatives N] [--seed S] [--jobs N]
                     [--population narrow|wide|heldout]

Renders near-infrared hand photos of synthetic people into DIR with a
manifest.csv that palmctl eval reads. With --registration N, renders N hands
under each capture condition instead and prints how far the palm locator's
ROI lands from the same hand's enrolment ROI, in ROI pixels (of 128),
degrees and percent of scale, measured on the hand through the generator's
ground truth, and the mated distance to the enrolment template twice: with
the ROI as located, and with the capture's ROI cut by the ground truth on
the enrolment ROI's patch of hand (what perfect registration would give).`

func runSynth(ctx context.Context, args []string, stdout, stderr io.Writer) int {
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
	fs.IntVar(&c.Attacks, "attacks", 0, "printed and displayed palms of enrolled people among the negatives (kinds listed in _negatives/manifest.csv)")
	fs.IntVar(&c.Frames, "frames", 1, "frames per probe presentation (rows of a manifest sharing a capture number)")
	registration := fs.Int("registration", 0, "instead of writing a set, measure the ROI's registration error on this many hands per capture condition")
	pop := fs.String("population", "narrow", "narrow (one hand model), wide (the range a reader sees) or heldout (for reporting only: never tune on it)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	if c.Pop, err = synth.ParsePopulation(*pop); err != nil || (*out == "" && *registration <= 0) || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	if *registration > 0 {
		rep, err := eval.Registration(ctx, *registration, c.Seed, c.Pop)
		if err != nil {
			fmt.Fprintln(stderr, "palmctl synth:", err)
			return 1
		}
		printRegistration(stdout, rep)
		return 0
	}
	start := time.Now()
	if err := synth.WriteSet(ctx, *out, c); err != nil {
		fmt.Fprintln(stderr, "palmctl synth:", err)
		return 1
	}
	n := c.People * c.Hands * c.Captures // probe presentations of several frames count once
	fmt.Fprintf(stdout, "wrote %d images and %d negatives to %s in %s\n", n, c.Negatives+c.Attacks, *out, time.Since(start).Round(time.Millisecond))
	return 0
}

// missRate is the rate per comparison at whose threshold the
// registration table counts the captures a reader turns away: about the
// default false_positive_rate's (1e-5 a presentation) share for a
// thousand enrolled templates.
const missRate = 1e-8

// printRegistration prints the ROI registration error per condition,
// the mated distance to the enrolment as located, with the tilts'
// second look, cut through the outline registered onto the enrolment's
// (the reader's second look) and as the
// ground truth would cut it, the captures a reader turns away at
// missRate's threshold (and of those, what a better cut or a wider gate
// would match), the captures turned from their enrolment, and the
// enrolments placed off their hand.
func printRegistration(w io.Writer, rep eval.RegistrationReport) {
	fmt.Fprintln(w, "ROI registration error against the generator's ground truth (same hand's enrolment ROI),")
	fmt.Fprintln(w, "and the mated distance to the enrolment: the ROI as located, with the tilts' second look (the reader's before), cut through the outline registered onto the enrolment's (the reader's second look), and cut by the ground truth")
	threshold := match.PalmTail.Threshold(missRate)
	fmt.Fprintf(w, "%-10s %7s %18s %18s %18s %18s %18s %18s %18s %20s\n", "condition", "located", "shift px med/p95", "angle ° med/p95", "scale % med/p95", "located med/p95", "tilts med/p95", "outline med/p95", "truth med/p95", "missed (truth, gate)")
	var missed, truthWould, gated int
	for _, r := range rep.Rows {
		m, tw, g := r.Misses(threshold)
		missed, truthWould, gated = missed+m, truthWould+tw, gated+g
		fmt.Fprintf(w, "%-10s %3d/%-3d %8.1f / %-7.1f %8.1f / %-7.1f %8.1f / %-7.1f %8.3f / %-7.3f %8.3f / %-7.3f %8.3f / %-7.3f %8.3f / %-7.3f %7d (%d, %d)\n", r.Condition, r.Located, r.Hands,
			r.ShiftMedian, r.ShiftP95, r.AngleMedian, r.AngleP95, r.ScaleMedian, r.ScaleP95, r.MatedMedian, r.MatedP95, r.LookedMedian, r.LookedP95, r.OutlineMedian, r.OutlineP95, r.TruthMedian, r.TruthP95, m, tw, g)
	}
	fmt.Fprintf(w, "missed: located captures a reader turns away at %.4f (the shipped tail's threshold for %.0e per comparison), deciding by the ROI as located and the outline's second look; %d in all, of which the ground truth's cut would match %d (truth): what registration can still win; and the outline's look %d, had the ROI as located come within %.2f (gate)\n", threshold, missRate, missed, truthWould, gated, match.SecondLook)
	turned, located := rep.Turned()
	fmt.Fprintf(w, "captures whose ROI turned %d° or more on the hand from their enrolment ROI: %d of %d\n", eval.TurnedDegrees, turned, located)
	fmt.Fprintf(w, "enrolment ROIs more than %d° off the hand's axes: %d of %d (the rows cannot show these)\n", eval.OffAxisDegrees, rep.OffAxis, rep.Enrolled())
}
