package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/palmd/palmd/biometric/cohort"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/drivers/atomicfile"
)

const cohortUsage = `usage: palmctl cohort --out FILE

Codes the cohort the reader scales each probe's search by (package
biometric/cohort: the careful enrolment captures of wide synthetic hands,
match.CohortSize of them) and writes it to FILE. Run it whenever the
pipeline's codes change, into biometric/cohort/cohort.bin, then measure
the tables again (README, "The probe's cohort").`

func runCohort(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cohort", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, cohortUsage) }
	out := fs.String("out", "", "file to write the cohort to")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	ts, err := cohort.Generate(ctx, match.CohortSize)
	if err == nil {
		var b []byte
		if b, err = cohort.Marshal(ts); err == nil {
			err = atomicfile.Write(*out, b, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "palmctl cohort:", err)
		return 1
	}
	fmt.Fprintf(stdout, "palmctl cohort: %d templates written to %s\n", len(ts), *out)
	return 0
}
