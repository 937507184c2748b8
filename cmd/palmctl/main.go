// Command palmctl is the installer's and developer's tool for palmd readers.
//
// Each subcommand lives in a file of its own and is listed in the table below.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one palmctl subcommand. run returns the process exit code.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands lists every subcommand by name.
var commands = map[string]command{
	"wiegand": {"encode and decode Wiegand badge frames", runWiegand},
	"sim":     {"drive a palmd running on simulated hardware", runSim},
	"osdp":    {"run an OSDP reader (pd) or panel (cp) on a serial line, JSON lines out", runOSDP},
	"eval":    {"measure recognition accuracy on an evaluation set (manifest.csv)", runEval},
	"synth":   {"render an evaluation set of synthetic people's hands", runSynth},
	"tail":    {"pool impostor distances of several sets into one impostor tail table", runTail},
	"cohort":  {"code the cohort the reader scales each search by (biometric/cohort)", runCohort},
	"qr":      {"decode QR codes from images; measure the reader on generated camera frames", runQR},
	"boot":    {"simulated bootloader and supervisor: start palmd from A/B slots, restart it, watch it", runBoot},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// dispatch runs the subcommand named by args[0]; 2 is a usage error.
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "palmctl: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: palmctl COMMAND [ARGS]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}
