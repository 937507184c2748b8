package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/osdp"
)

const osdpUsage = `usage: palmctl osdp pd --dev PATH [--addr N] [--baud B] [--scbk HEX | --install] [--polls] [--fmt]
       palmctl osdp cp --dev PATH [--addr N[,N...]] [--baud B] [--scbk HEX | --install] [--checksum]

Runs an OSDP peripheral device (pd) or control panel (cp) on a serial line
and prints what it sees as JSON lines, one object per line.

pd reads lines on stdin to act as a reader:
  card BITS HEX        present a card read (Wiegand bits, MSB first)
  card text DIGITS     present a card read sent as osdp_FMT (only with --fmt,
                       for a panel known to take FMT; others get osdp_RAW only)
  tamper on|off        open or close the tamper switch
  input N on|off       change input N (0-based)

cp reads lines on stdin to command a PD:
  led ADDR COLOR [SECONDS]        temporary colour (red green amber blue ...)
  buz ADDR [COUNT]                beep COUNT times
  text ADDR MESSAGE...            show text
  out ADDR OUTPUT on|off|pulse [SECONDS]
  keyset ADDR HEX                 install a Secure Channel key (needs a secure session)
  comset ADDR NEWADDR BAUD        move the PD to a new address and speed
  send ADDR CODE [HEX]            any command, code and payload in hex`

// stdin is where the osdp command reads its instructions.
var stdin io.Reader = os.Stdin

// jsonLines writes one JSON object per line from several goroutines.
type jsonLines struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (j *jsonLines) print(v any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.enc.Encode(v)
}

type osdpFlags struct {
	dev, addrs, scbk string
	baud             int
	install, polls   bool
	checksum         bool
	fmt              bool
}

func runOSDP(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "pd" && args[0] != "cp") {
		fmt.Fprintln(stderr, osdpUsage)
		return 2
	}
	role := args[0]
	fs := flag.NewFlagSet("osdp "+role, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, osdpUsage) }
	var f osdpFlags
	fs.StringVar(&f.dev, "dev", "", "serial device, e.g. /dev/ttyUSB0")
	fs.StringVar(&f.addrs, "addr", "0", "PD address (cp: comma-separated list)")
	fs.IntVar(&f.baud, "baud", 9600, "line speed")
	fs.StringVar(&f.scbk, "scbk", "", "Secure Channel base key, 32 hex digits")
	fs.BoolVar(&f.install, "install", false, "install mode: Secure Channel with the default key SCBK-D")
	fs.BoolVar(&f.polls, "polls", false, "pd: also print polls answered with ACK")
	fs.BoolVar(&f.checksum, "checksum", false, "cp: OSDP 1.x framing (checksum, no Secure Channel)")
	fs.BoolVar(&f.fmt, "fmt", false, "pd: the panel takes osdp_FMT, so text card reads may be sent")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if f.dev == "" || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	key, err := parseKey(f.scbk)
	if err != nil {
		fmt.Fprintln(stderr, "palmctl osdp:", err)
		return 2
	}
	port, err := serial.Open(f.dev, f.baud, 20*time.Millisecond)
	if err != nil {
		fmt.Fprintln(stderr, "palmctl osdp:", err)
		return 1
	}
	defer port.Close()
	out := &jsonLines{enc: json.NewEncoder(stdout)}
	if role == "pd" {
		err = runPDLine(ctx, f, key, port, out)
	} else {
		err = runCPLine(ctx, f, key, port, out)
	}
	if err != nil {
		fmt.Fprintln(stderr, "palmctl osdp:", err)
		return 1
	}
	return 0
}

func parseKey(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	k, err := hex.DecodeString(s)
	if err != nil || len(k) != osdp.KeySize {
		return nil, fmt.Errorf("--scbk wants %d bytes as hex", osdp.KeySize)
	}
	return k, nil
}

func parseAddr(s string) (byte, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 126 {
		return 0, fmt.Errorf("address %q: want 0..126", s)
	}
	return byte(n), nil
}

// readLines calls handle for each non-empty stdin line until ctx ends or
// stdin closes; handle's errors are printed, not fatal.
func readLines(ctx context.Context, out *jsonLines, handle func(ctx context.Context, fields []string) error) {
	sc := bufio.NewScanner(stdin)
	for sc.Scan() && ctx.Err() == nil {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if err := handle(ctx, fields); err != nil {
			out.print(map[string]string{"kind": "error", "input": sc.Text(), "error": err.Error()})
		}
	}
}

var errUsage = errors.New("unrecognised line; see palmctl osdp --help")
