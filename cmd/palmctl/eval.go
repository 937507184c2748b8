package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/palmd/palmd/biometric/cohort"
	"github.com/palmd/palmd/biometric/eval"
	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/recognize"
	"github.com/palmd/palmd/drivers/atomicfile"
)

const evalUsage = `usage: palmctl eval [--enroll N] [--threshold T | --fpir P | --fmr F] [--json] DIR

Evaluates the palm pipeline on DIR/manifest.csv (path,identity,hand,capture):
the first N captures of each hand enrol, the rest probe, every probe is also
compared with other hands (--impostors of them, drawn at random, or all),
and searched for in the gallery of all enrolled hands with and without its
own (FNIR, FPIR); the images in DIR/_negatives are probed too, counted per
kind when DIR/_negatives/manifest.csv (path,kind) names them. Prints
the ISO/IEC 19795-1 figures. Missing or unreadable images count as failures
to acquire and are named on stderr.`

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, evalUsage) }
	enroll := fs.Int("enroll", 2, "captures per hand to enrol")
	threshold := fs.Float64("threshold", 0, "decision threshold (0: set for --fpir or --fmr)")
	fmr := fs.Float64("fmr", 0, "per-comparison false-match rate the threshold is set for, through the shipped impostor tail (match.PalmCohortTail, or match.PalmTail with --cohort=false); 0: --fpir")
	fpir := fs.Float64("fpir", 1e-5, "false positive identifications per search the threshold is set for, divided among the gallery's templates as palmd does (its default operating point)")
	self := fs.Bool("self-calibrate", false, "set the threshold from this set's own impostor tail instead of the shipped one")
	tail := fs.Bool("tail", false, "also print this set's impostor tail as the Go literal of a match.Tail")
	tailOut := fs.String("tail-out", "", "also write the impostor distances the tail is measured from to this file, for palmctl tail to pool with other sets'")
	pairsOut := fs.String("pairs-out", "", "also write every comparison's parts to this file (tab-separated, one a line: the first search's distance, scaled and not, the look's, the score and the cells the first rests on), for replaying decision rules offline")
	asJSON := fs.Bool("json", false, "print one JSON object")
	maxShift := fs.Int("max-shift", 2, "shift search of the fine comparison, in cells")
	wholeCell := fs.Bool("whole-cell", false, "code probes on the whole-cell grid only, as the reader did before it searched half-cell offsets")
	rotations := fs.String("rotations", formatFloats(features.ProbeRotations), "probe rotations in degrees, comma-separated")
	frames := fs.Int("frames", 3, "good frames a presentation (manifest rows sharing a capture number) may be decided from")
	impostors := fs.Int("impostors", 200, "other hands each probe is compared with for the impostor scores (0: all)")
	lookName := fs.String("look", "outline", "second look of a frame that comes near someone without matching: outline (registered onto each near template's enrolment; the reader's), tilts (the reader's before) or both")
	shortlist := fs.Int("shortlist", gallery.DefaultShortlist, "templates a search's coarse pass keeps for the fine comparison (0: compare every template)")
	stackedTail := fs.Bool("stacked-tail", false, "with --stack, also measure the impostor tail of the presentations' stacked frames against every other hand, and print it as the Go literal of match.StackedTail")
	stack := fs.Bool("stack", false, "identify a presentation's later frames averaged with the ones before (palm.Stack), at the stacked frames' tail's threshold; the reader decides each frame alone")
	useCohort := fs.Bool("cohort", true, "scale each probe's first-search distances by its cohort (biometric/cohort) and set the threshold from match.PalmCohortTail, as the reader does; --cohort=false measures the distances, at match.PalmTail (and is needed for --look tilts|both, --whole-cell and --stack)")
	looks := fs.Int("looks", recognize.MaxLooks, "templates a frame's outline look takes, the nearest of those its search came near (0: all of them); --tail's table takes all")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *shortlist == 0 {
		*shortlist = -1
	}
	if *looks == 0 {
		*looks = -1
	}
	rots, err := parseFloats(*rotations)
	look, known := eval.Looks[*lookName]
	if fs.NArg() != 1 || *enroll < 1 || err != nil || len(rots) == 0 || !known {
		fs.Usage()
		return 2
	}
	opts := eval.Options{
		Enroll: *enroll, Threshold: *threshold, FMR: *fmr, FPIR: *fpir, SelfCalibrate: *self, Frames: *frames, Rotations: rots, MaxShift: *maxShift, WholeCell: *wholeCell, Impostors: *impostors, Look: look, Shortlist: *shortlist, Looks: *looks, Stack: *stack, StackedTail: *stackedTail,
		Pairs: *pairsOut != "",
	}
	if *useCohort {
		if opts.Cohort, err = cohort.Templates(); err != nil {
			fmt.Fprintln(stderr, "palmctl eval:", err)
			return 1
		}
	}
	// A run takes minutes to hours: refuse an output it could not write
	// before it starts, not after.
	for flag, name := range map[string]string{"--tail-out": *tailOut, "--pairs-out": *pairsOut} {
		if err := writableDir(name); err != nil {
			fmt.Fprintf(stderr, "palmctl eval: %s: %v\n", flag, err)
			return 2
		}
	}
	rep, err := eval.Run(ctx, fs.Arg(0), opts, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "palmctl eval:", err)
		return 1
	}
	if *tailOut != "" {
		if err := writeSampleFile(*tailOut, rep.ImpostorDistances); err != nil {
			fmt.Fprintln(stderr, "palmctl eval:", err)
			return 1
		}
	}
	if *pairsOut != "" {
		if err := atomicfile.WriteFrom(*pairsOut, 0o644, func(w io.Writer) error { return writePairs(w, rep.Pairs) }); err != nil {
			fmt.Fprintln(stderr, "palmctl eval: writing the pairs:", err)
			return 1
		}
	}
	if *asJSON {
		_ = json.NewEncoder(stdout).Encode(rep)
		return 0
	}
	printReport(stdout, rep)
	if *stackedTail && rep.StackedTail != nil {
		fmt.Fprintf(stdout, "var StackedTail = %#v\n", *rep.StackedTail)
	}
	if *tail && rep.Tail != nil {
		name := "PalmTail"
		if rep.Cohort {
			name = "PalmCohortTail"
		}
		fmt.Fprintf(stdout, "var %s = %#v\n", name, *rep.Tail)
	}
	return 0
}

func printReport(w io.Writer, r *eval.Report) {
	pct := func(v float64) string { return fmt.Sprintf("%.3f %%", 100*v) }
	fmt.Fprintf(w, "images                 %d (acquired %d, FTA %s)\n", r.Images, r.Acquired, pct(r.FTA))
	fmt.Fprintf(w, "bona fide refused      %d as presentation attacks (BPCER %s)\n", r.BonaFideRefused, pct(r.BPCER))
	fmt.Fprintf(w, "hands                  %d (failed to enrol %d), probes %d\n", r.Hands, r.FailedToEnroll, r.Probes)
	fmt.Fprintf(w, "comparisons            genuine %d, impostor %d\n", r.Genuine, r.Impostor)
	if r.Cohort {
		fmt.Fprintln(w, "scores                 each probe's distances scaled by its cohort (biometric/cohort), as the reader's: the figures below are of scores")
	}
	fmt.Fprintf(w, "EER                    %s at distance %.4f\n", pct(r.EER), r.EERThreshold)
	for _, k := range []string{"1e-03", "1e-04", "1e-05"} {
		if v := r.FNMR[k]; v != nil {
			fmt.Fprintf(w, "FNMR at FMR %s      %s\n", k, pct(*v))
		} else {
			fmt.Fprintf(w, "FNMR at FMR %s      too few impostor comparisons to observe\n", k)
		}
	}
	fmt.Fprintf(w, "genuine distances      median %.4f, p95 %.4f, p99 %.4f\n", r.Genuine50, r.Genuine95, r.Genuine99)
	fmt.Fprintf(w, "1:N at threshold %.4f  FNIR %s, FPIR %s (this set's impostors below it: %.2g)\n", r.Threshold, pct(r.FNIR), pct(r.FPIR), r.ObservedFMR)
	if r.Rate > 0 {
		fmt.Fprintf(w, "  the threshold is the shipped tail's for %.2g per comparison\n", r.Rate)
	}
	for _, k := range slices.Sorted(maps.Keys(r.ByRate)) {
		a := r.ByRate[k]
		fmt.Fprintf(w, "  shipped tail at %s  threshold %.4f: FNIR %s, FPIR %s\n", k, a.Threshold, pct(a.FNIR), pct(a.FPIR))
	}
	if r.Probes > 0 {
		var taken string
		switch {
		case r.Looks > 0:
			taken = fmt.Sprintf("; a frame's outline look takes the nearest %d", r.Looks)
		case r.Looks < 0:
			taken = "; a frame's outline look takes all of them"
		}
		fmt.Fprintf(w, "second looks           non-mated searches near someone %s; templates near one: p95 %d, largest %d%s\n", pct(r.NearShare), r.NearP95, r.NearMax, taken)
	}
	if r.Presentations > 0 {
		stacked := ""
		if r.PresStackedThreshold > 0 {
			stacked = fmt.Sprintf("; later frames stacked with the ones before: %d of %d, at threshold %.4f", r.PresStacked, r.PresLater, r.PresStackedThreshold)
		}
		fmt.Fprintf(w, "per presentation       %d, at threshold %.4f: FNIR %s, FPIR %s%s\n", r.Presentations, r.PresThreshold, pct(r.PresFNIR), pct(r.PresFPIR), stacked)
		for _, q := range r.StackShift {
			fmt.Fprintf(w, "stacked impostors      at %.0e of %d pairs: %.4f stacked, %.4f the same frames alone (first search)\n", q.FMR, q.Pairs, q.Stacked, q.Alone)
		}
	}
	if t := r.Tail; t != nil && len(t.Points) > 0 {
		shipped := r.ShippedTail()
		last := t.Points[len(t.Points)-1]
		fmt.Fprintf(w, "this set's tail        FMR %.0e below %.4f; for 1e-6 %.4f, 1e-9 %.4f (shipped: %.4f, %.4f)\n",
			last.FMR, last.Distance, t.Threshold(1e-6), t.Threshold(1e-9), shipped.Threshold(1e-6), shipped.Threshold(1e-9))
	}
	if t := r.StackedTail; t != nil && len(t.Points) > 0 {
		last := t.Points[len(t.Points)-1]
		fmt.Fprintf(w, "stacked frames' tail   FMR %.0e below %.4f of %d comparisons; for 1e-6 %.4f, 1e-9 %.4f (shipped: %.4f, %.4f)\n",
			last.FMR, last.Distance, t.Comparisons, t.Threshold(1e-6), t.Threshold(1e-9), match.PalmStackedTail.Threshold(1e-6), match.PalmStackedTail.Threshold(1e-9))
	}
	fmt.Fprintf(w, "per probe              median %.1f ms, p95 %.1f ms (frame in, decision out)\n", r.MedianMS, r.P95MS)
	fmt.Fprintf(w, "negatives              %d (acquired %d, matched anyone %d)\n", r.Negatives, r.NegAcquired, r.NegMatched)
	for _, kind := range slices.Sorted(maps.Keys(r.NegKinds)) {
		k := r.NegKinds[kind]
		fmt.Fprintf(w, "  %-20s %d, acquired %d (APCER %s), matched %d\n", kind, k.Count, k.Acquired, pct(k.APCER), k.Matched)
	}
}

func parseFloats(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// formatFloats is the flag form parseFloats reads.
func formatFloats(v []float64) string {
	s := make([]string, len(v))
	for i, f := range v {
		s[i] = strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

// writableDir says why a file could not be created at name ("" needs
// nothing): its directory is missing, or is not one.
func writableDir(name string) error {
	if name == "" {
		return nil
	}
	dir := filepath.Dir(name)
	fi, err := os.Stat(dir)
	if err == nil && !fi.IsDir() {
		err = fmt.Errorf("%s is not a directory", dir)
	}
	return err
}
