package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

const simUsage = `usage: palmctl sim [--addr HOST:PORT] COMMAND

Drives a palmd running on simulated hardware through its loopback control
endpoint (simulate.control in the local config):

  state                       the reader's phase, screen, health, last entry
  touch BUTTON [VALUE]        a tap on the screen, e.g. "touch start", "touch ethernet",
                              "touch network Headquarters" (a simulator's passphrase
                              only: "touch join palm-reader-1")
  pins                        every line, its level and edge count
  set PIN high|low [--pulse 200ms]
                              drive an input line (PIN from [pins], e.g. TAMPER, GPI)
  camera IMAGE.png|IMAGE.jpg  put an image in front of the camera (e.g. the
                              activation QR code from devcloud)
  camera clear|unplug|plug    take it away; pull the camera out; put it back
  identify FACILITY:CARD      play a palm the pipeline matched to this badge
  identify nobody             play a palm that matched nobody
  palm N [--hand left|right] [--pose POSE]
                              hold a fresh capture of synthetic person N's hand
                              over the camera (right unless told; POSE held-right,
                              too-far, too-close, off-centre, in-the-dark, tilted),
                              for the real pipeline to guide, identify or enrol
  palm away                   take it away
  badge FACILITY:CARD         hold a badge to the enrollment desk's scanner (any
                              other text is typed as it is: a read in the wrong format)
  panel answer|silent         the simulated door controllers answer badges, or
                              take them and never answer
  panel                       the badges the door controllers received, their answers
  lights                      the light ring's patterns, oldest first
  sounds                      the sounds the speaker played, oldest first
  network                     the Wi-Fi network in use, the Ethernet cable
  network cable in|out        plug or pull the simulated Ethernet cable`

// runSim talks to the simulator's control endpoint.
func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, simUsage) }
	addr := fs.String("addr", "127.0.0.1:7070", "simulator control endpoint")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	method, path, body, err := simRequest(fs.Args())
	if errors.Is(err, errUsage) {
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "palmctl sim:", err)
		if errors.Is(err, os.ErrNotExist) {
			return 1
		}
		return 2
	}
	client := &http.Client{Timeout: 5 * time.Second}
	return simCall(ctx, client, method, "http://"+*addr+path, body, stdout, stderr)
}

// simRequest turns a command into its request to the control endpoint.
func simRequest(rest []string) (method, path string, body []byte, err error) {
	arg := func(i int) string {
		if i < len(rest) {
			return rest[i]
		}
		return ""
	}
	switch cmd := arg(0); {
	case cmd == "state" && len(rest) == 1:
		return http.MethodGet, "/state", nil, nil
	case cmd == "pins" && len(rest) == 1:
		return http.MethodGet, "/pins", nil, nil
	case (cmd == "network" || cmd == "panel" || cmd == "lights" || cmd == "sounds") && len(rest) == 1:
		return http.MethodGet, "/" + cmd, nil, nil
	case cmd == "network" && len(rest) == 3 && rest[1] == "cable" && (rest[2] == "in" || rest[2] == "out"):
		body, err = json.Marshal(map[string]bool{"cable": rest[2] == "in"})
		return http.MethodPost, "/network", body, err
	case cmd == "touch" && (len(rest) == 2 || len(rest) == 3):
		t := map[string]string{"button": rest[1]}
		if len(rest) == 3 {
			t["value"] = rest[2]
		}
		body, err = json.Marshal(t)
		return http.MethodPost, "/touch", body, err
	case cmd == "camera" && len(rest) == 2:
		return cameraRequest(rest[1])
	case cmd == "identify" && len(rest) == 2:
		body, err = identifyBody(rest[1])
		return http.MethodPost, "/identify", body, err
	case cmd == "panel" && len(rest) == 2 && (rest[1] == "answer" || rest[1] == "silent"):
		body, err = json.Marshal(map[string]bool{"answer": rest[1] == "answer"})
		return http.MethodPost, "/panel", body, err
	case cmd == "palm" && len(rest) >= 2:
		body, err = palmBody(rest[1:])
		return http.MethodPost, "/hand", body, err
	case cmd == "badge" && len(rest) == 2:
		body, err = json.Marshal(map[string]string{"text": rest[1]})
		return http.MethodPost, "/badge", body, err
	case cmd == "set" && len(rest) >= 3:
		return setRequest(rest[1:])
	}
	return "", "", nil, errUsage
}

func cameraRequest(what string) (method, path string, body []byte, err error) {
	switch what {
	case "clear":
		return http.MethodPost, "/camera", nil, nil
	case "unplug", "plug":
		return http.MethodPost, "/camera/" + what, nil, nil
	}
	img, err := os.ReadFile(what)
	return http.MethodPost, "/camera", img, err
}

func setRequest(rest []string) (method, path string, body []byte, err error) {
	sf := flag.NewFlagSet("sim set", flag.ContinueOnError)
	sf.SetOutput(io.Discard)
	pulse := sf.Duration("pulse", 0, "return to the previous level after this long")
	if err := sf.Parse(rest[2:]); err != nil {
		return "", "", nil, err
	}
	if _, err := pinsim.ParseLevel(rest[1]); err != nil {
		return "", "", nil, err
	}
	req := pinsim.SetRequest{Level: rest[1]}
	if *pulse > 0 {
		req.Pulse = pulse.String()
	}
	body, err = json.Marshal(req)
	return http.MethodPost, "/pins/" + rest[0], body, err
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

// identifyBody turns "FACILITY:CARD", or "nobody", into the /identify
// request.
func identifyBody(badge string) ([]byte, error) {
	if badge == "nobody" {
		return []byte(`{"nobody":true}`), nil
	}
	f, c, ok := strings.Cut(badge, ":")
	facility, ferr := strconv.ParseUint(f, 10, 64)
	card, cerr := strconv.ParseUint(c, 10, 64)
	if !ok || ferr != nil || cerr != nil {
		return nil, fmt.Errorf("badge %q: want FACILITY:CARD, e.g. 12:3456, or nobody", badge)
	}
	return json.Marshal(map[string]uint64{"facility": facility, "card": card})
}

// palmBody turns "N [--hand left|right] [--pose POSE]", or "away", into
// the /hand request.
func palmBody(rest []string) ([]byte, error) {
	if rest[0] == "away" && len(rest) == 1 {
		return []byte(`{"away":true}`), nil
	}
	person, err := strconv.ParseUint(rest[0], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("palm %q: want a synthetic person's number, or away", rest[0])
	}
	pf := flag.NewFlagSet("sim palm", flag.ContinueOnError)
	pf.SetOutput(io.Discard)
	hand := pf.String("hand", "right", "left or right")
	pose := pf.String("pose", "held-right", "how the hand is held")
	if err := pf.Parse(rest[1:]); err != nil || pf.NArg() > 0 {
		return nil, fmt.Errorf("palm: want N [--hand left|right] [--pose POSE]")
	}
	if *hand != "left" && *hand != "right" {
		return nil, fmt.Errorf("palm --hand %q: want left or right", *hand)
	}
	return json.Marshal(map[string]any{"person": person, "hand": *hand, "pose": *pose})
}
