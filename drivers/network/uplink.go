package network

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Network is a Wi-Fi network in range.
type Network struct {
	SSID    string `json:"ssid"`
	Signal  int    `json:"signal"` // percent
	Secured bool   `json:"secured"`
}

// Why a join fails, where the backend can tell.
var (
	ErrNoCable    = errors.New("network: no Ethernet cable is connected")
	ErrNotInRange = errors.New("network: the Wi-Fi network is not in range")
	ErrRefused    = errors.New("network: the Wi-Fi network refused the passphrase")
)

// pollEvery is how often a join asks NetworkManager whether the link
// carries traffic yet.
const pollEvery = time.Second

// Scan lists the Wi-Fi networks in range, strongest first, each SSID
// once.
func (n *NetworkManager) Scan(ctx context.Context) ([]Network, error) {
	n.defaults()
	out, err := n.Query(ctx, "-t", "-f", "SSID,SIGNAL,SECURITY", "device", "wifi", "list", "--rescan", "yes")
	if err != nil {
		return nil, err
	}
	return parseScan(out), nil
}

// parseScan reads nmcli's terse output: fields split by ':' with ':' and
// '\' inside a field escaped by '\'.
func parseScan(out []byte) []Network {
	var nets []Network
	seen := map[string]bool{}
	for _, line := range bytes.Split(out, []byte("\n")) {
		f := splitTerse(string(line))
		if len(f) != 3 || f[0] == "" || seen[f[0]] {
			continue
		}
		seen[f[0]] = true
		signal, _ := strconv.Atoi(f[1])
		nets = append(nets, Network{SSID: f[0], Signal: signal, Secured: f[2] != "" && f[2] != "--"})
	}
	slices.SortStableFunc(nets, func(a, b Network) int { return cmp.Compare(b.Signal, a.Signal) })
	return nets
}

func splitTerse(line string) []string {
	var fields []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case c == ':':
			fields = append(fields, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(fields, cur.String())
}

// Join brings the reader online: on Wi-Fi w (installed as the reader's
// network and brought up), or on Ethernet when w is nil. It returns once
// NetworkManager reports full connectivity, or when ctx ends.
func (n *NetworkManager) Join(ctx context.Context, w *WiFi) error {
	n.defaults()
	if w != nil {
		if err := n.Apply(ctx, w); err != nil {
			return err
		}
		if err := n.Nmcli(ctx, "connection", "up", n.Name); err != nil {
			return err
		}
	}
	for {
		out, err := n.Query(ctx, "-t", "-f", "TYPE,STATE", "device")
		if err == nil && linkUp(out, w != nil) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("network: not connected: %w", cmp.Or(err, ctx.Err()))
		case <-time.After(pollEvery):
		}
	}
}

// linkUp reads `nmcli -t -f TYPE,STATE device`: a device of the medium
// that is connected.
func linkUp(out []byte, wifi bool) bool {
	want := "ethernet"
	if wifi {
		want = "wifi"
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := splitTerse(line); len(f) == 2 && f[0] == want && f[1] == "connected" {
			return true
		}
	}
	return false
}

func runQuery(ctx context.Context, args ...string) ([]byte, error) {
	out, err := exec.CommandContext(ctx, "nmcli", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("nmcli %s: %w", strings.Join(args[len(args)-2:], " "), err)
	}
	return out, nil
}

// SimNetwork is a Wi-Fi network the simulator has in range.
type SimNetwork struct {
	Network
	Passphrase string
}

// SetRange puts these networks in range of the simulated reader.
func (r *Recorder) SetRange(nets []SimNetwork) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inRange = slices.Clone(nets)
}

// Plug connects or pulls the simulated Ethernet cable.
func (r *Recorder) Plug(cable bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unplugged = !cable
}

// Cable reports whether the simulated Ethernet cable is connected.
func (r *Recorder) Cable() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.unplugged
}

// Scan lists the simulated networks in range, strongest first.
func (r *Recorder) Scan(context.Context) ([]Network, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	nets := make([]Network, len(r.inRange))
	for i, n := range r.inRange {
		nets[i] = n.Network
	}
	slices.SortStableFunc(nets, func(a, b Network) int { return cmp.Compare(b.Signal, a.Signal) })
	return nets, nil
}

// Join checks w against the networks in range (nil: the cable) and
// records it as applied when the passphrase is right.
func (r *Recorder) Join(ctx context.Context, w *WiFi) error {
	r.mu.Lock()
	if w == nil {
		defer r.mu.Unlock()
		if r.unplugged {
			return ErrNoCable
		}
		return nil
	}
	i := slices.IndexFunc(r.inRange, func(n SimNetwork) bool { return n.SSID == w.SSID })
	var err error
	switch {
	case i < 0:
		err = ErrNotInRange
	case r.inRange[i].Passphrase != w.Passphrase:
		err = ErrRefused
	}
	r.mu.Unlock()
	if err != nil {
		return err
	}
	return r.Apply(ctx, w)
}
