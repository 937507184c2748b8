package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/palmd/palmd/wiegand"
)

const wiegandUsage = `usage: palmctl wiegand encode (--format NAME | --layout TEXT) --facility N --card N
       palmctl wiegand encode (--format NAME | --layout TEXT) --raw N
       palmctl wiegand decode (--format NAME | --layout TEXT) [--json] BITS
       palmctl wiegand formats [--layouts]

encode prints the frame as 0s and 1s, first bit on the wire first; --raw
fills every data bit with one number. decode checks length and parity and
prints the fields; a bad frame exits 1. A custom layout is written like
  "bits=26 facility=1:8 card=9:16 even@0=1-12 odd@25=13-24"
(positions from 0; formats --layouts prints the standard ones this way).`

// runWiegand encodes and decodes Wiegand frames offline.
func runWiegand(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, wiegandUsage)
		return 2
	}
	switch args[0] {
	case "encode":
		return wiegandEncode(args[1:], stdout, stderr)
	case "decode":
		return wiegandDecode(args[1:], stdout, stderr)
	case "formats":
		return wiegandFormats(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, wiegandUsage)
		return 0
	}
	fmt.Fprintf(stderr, "palmctl wiegand: unknown subcommand %q\n%s\n", args[0], wiegandUsage)
	return 2
}

// formatFlags are the flags that choose a format.
type formatFlags struct {
	name, layout *string
}

func newFlagSet(name string, stderr io.Writer) (*flag.FlagSet, formatFlags) {
	fs := flag.NewFlagSet("wiegand "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, wiegandUsage) }
	ff := formatFlags{
		name:   fs.String("format", "", "standard format name (see formats)"),
		layout: fs.String("layout", "", "custom layout text"),
	}
	return fs, ff
}

func (ff formatFlags) format() (*wiegand.Format, error) {
	switch {
	case *ff.name != "" && *ff.layout != "":
		return nil, errors.New("give --format or --layout, not both")
	case *ff.name != "":
		return wiegand.Lookup(*ff.name)
	case *ff.layout != "":
		l, err := wiegand.ParseLayout(*ff.layout)
		if err != nil {
			return nil, err
		}
		return wiegand.NewFormat("custom", l)
	}
	return nil, errors.New("missing --format or --layout")
}

// parseInterleaved lets flags follow positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func wiegandEncode(args []string, stdout, stderr io.Writer) int {
	fs, ff := newFlagSet("encode", stderr)
	facility := fs.Uint64("facility", 0, "facility (site, company) code")
	card := fs.Uint64("card", 0, "card number")
	raw := fs.Uint64("raw", 0, "raw ID for all data bits (instead of --facility/--card)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if len(pos) != 0 || (set["raw"] && (set["facility"] || set["card"])) || (!set["raw"] && !set["card"]) {
		fmt.Fprintln(stderr, wiegandUsage)
		return 2
	}
	f, err := ff.format()
	if err != nil {
		fmt.Fprintln(stderr, "palmctl wiegand encode:", err)
		return 2
	}
	var bits wiegand.Bits
	if set["raw"] {
		bits, err = f.EncodeRaw(*raw)
	} else {
		bits, err = f.Encode(wiegand.Badge{Facility: *facility, Card: *card})
	}
	if err != nil {
		fmt.Fprintln(stderr, "palmctl wiegand encode:", err)
		return 1
	}
	fmt.Fprintln(stdout, bits)
	return 0
}

// decoded is decode's JSON output.
type decoded struct {
	Format   string  `json:"format"`
	Bits     int     `json:"bits"`
	Facility *uint64 `json:"facility,omitempty"`
	Card     uint64  `json:"card"`
	Raw      *uint64 `json:"raw,omitempty"`
}

func wiegandDecode(args []string, stdout, stderr io.Writer) int {
	fs, ff := newFlagSet("decode", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) == 0 {
		fmt.Fprintln(stderr, wiegandUsage)
		return 2
	}
	f, err := ff.format()
	if err != nil {
		fmt.Fprintln(stderr, "palmctl wiegand decode:", err)
		return 2
	}
	bits, err := wiegand.ParseBits(strings.Join(pos, ""))
	if err != nil {
		fmt.Fprintln(stderr, "palmctl wiegand decode:", err)
		return 2
	}
	badge, err := f.Decode(bits)
	if err != nil {
		fmt.Fprintln(stderr, "palmctl wiegand decode:", err)
		return 1
	}
	out := decoded{Format: f.Name(), Bits: len(bits), Card: badge.Card}
	if f.HasFacility() {
		out.Facility = &badge.Facility
	}
	if raw, err := f.DecodeRaw(bits); err == nil {
		out.Raw = &raw
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(out); err != nil {
			fmt.Fprintln(stderr, "palmctl wiegand decode:", err)
			return 1
		}
		return 0
	}
	if out.Facility != nil {
		fmt.Fprintf(stdout, "facility=%d ", *out.Facility)
	}
	fmt.Fprintf(stdout, "card=%d\n", out.Card)
	return 0
}

func wiegandFormats(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("wiegand formats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	layouts := fs.Bool("layouts", false, "also print each format's layout text")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return 2
	}
	for _, n := range wiegand.Names() {
		f, err := wiegand.Lookup(n)
		if err != nil {
			fmt.Fprintln(stderr, "palmctl wiegand formats:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%-12s %2d bits  %s\n", n, f.Bits(), f.Description())
		if *layouts {
			fmt.Fprintf(stdout, "%-12s layout: %s\n", "", f.Layout())
		}
	}
	return 0
}
