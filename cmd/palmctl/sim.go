package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/palmd/palmd/drivers/pinsim"
)

const simUsage = `usage: palmctl sim [--addr HOST:PORT] pins
       palmctl sim [--addr HOST:PORT] set PIN high|low [--pulse 200ms]
       palmctl sim [--addr HOST:PORT] identify FACILITY:CARD
       palmctl sim [--addr HOST:PORT] camera IMAGE.png|IMAGE.jpg

Drives a palmd running on simulated hardware through its loopback control
endpoint (simulate.control in the local config). PIN is a line name from the
[pins] table, e.g. TAMPER or GPI. identify plays a person recognised with
that badge: palmd sends it to the (simulated) door panel. camera puts an
image in front of the camera, e.g. the activation QR code from devcloud.`

// runSim talks to the simulator's control endpoint.
func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, simUsage) }
	addr := fs.String("addr", "127.0.0.1:7070", "simulator control endpoint")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	client := &http.Client{Timeout: 5 * time.Second}
	base := "http://" + *addr
	rest := fs.Args()
	switch {
	case len(rest) == 1 && rest[0] == "pins":
		return simCall(ctx, client, http.MethodGet, base+"/pins", nil, stdout, stderr)
	case len(rest) == 2 && rest[0] == "camera":
		img, err := os.ReadFile(rest[1])
		if err != nil {
			fmt.Fprintln(stderr, "palmctl sim:", err)
			return 1
		}
		return simCall(ctx, client, http.MethodPost, base+"/camera", img, stdout, stderr)
	case len(rest) == 2 && rest[0] == "identify":
		body, err := identifyBody(rest[1])
		if err != nil {
			fmt.Fprintln(stderr, "palmctl sim:", err)
			return 2
		}
		return simCall(ctx, client, http.MethodPost, base+"/identify", body, stdout, stderr)
	case len(rest) >= 3 && rest[0] == "set":
		sf := flag.NewFlagSet("sim set", flag.ContinueOnError)
		sf.SetOutput(stderr)
		pulse := sf.Duration("pulse", 0, "return to the previous level after this long")
		if err := sf.Parse(rest[3:]); err != nil {
			return 2
		}
		if _, err := pinsim.ParseLevel(rest[2]); err != nil {
			fmt.Fprintln(stderr, "palmctl sim:", err)
			return 2
		}
		req := pinsim.SetRequest{Level: rest[2]}
		if *pulse > 0 {
			req.Pulse = pulse.String()
		}
		body, _ := json.Marshal(req)
		return simCall(ctx, client, http.MethodPost, base+"/pins/"+rest[1], body, stdout, stderr)
	}
	fs.Usage()
	return 2
}

func simCall(ctx context.Context, c *http.Client, method, url string, body []byte, stdout, stderr io.Writer) int {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		fmt.Fprintln(stderr, "palmctl sim:", err)
		return 1
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "palmctl sim: is palmd running with simulate.control? %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		fmt.Fprintf(stderr, "palmctl sim: %s: %s", resp.Status, out)
		return 1
	}
	stdout.Write(out)
	return 0
}

// identifyBody turns "FACILITY:CARD" into the /identify request.
func identifyBody(badge string) ([]byte, error) {
	f, c, ok := strings.Cut(badge, ":")
	facility, ferr := strconv.ParseUint(f, 10, 64)
	card, cerr := strconv.ParseUint(c, 10, 64)
	if !ok || ferr != nil || cerr != nil {
		return nil, fmt.Errorf("badge %q: want FACILITY:CARD, e.g. 12:3456", badge)
	}
	return json.Marshal(map[string]uint64{"facility": facility, "card": card})
}
