// Package network applies the Wi-Fi credentials a reader's configuration
// carries: through NetworkManager on a reader, or recorded for the
// simulator.
package network

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/palmd/palmd/drivers/atomicfile"
)

// WiFi is a network and its passphrase ("" for an open network).
type WiFi struct {
	SSID       string
	Passphrase string
}

// NetworkManager keeps one Wi-Fi connection profile for the reader, written
// as a NetworkManager keyfile (0600, so the passphrase is on no command
// line and in no world-readable file) and loaded with nmcli.
type NetworkManager struct {
	// Dir holds the keyfile; default /etc/NetworkManager/system-connections.
	Dir string
	// Name is the connection's name; default "palmd-wifi".
	Name string
	// Nmcli runs nmcli; default the program on PATH.
	Nmcli func(ctx context.Context, args ...string) error
	// Query runs nmcli and returns what it printed; default the program
	// on PATH.
	Query func(ctx context.Context, args ...string) ([]byte, error)
}

func (n *NetworkManager) defaults() {
	if n.Dir == "" {
		n.Dir = "/etc/NetworkManager/system-connections"
	}
	if n.Name == "" {
		n.Name = "palmd-wifi"
	}
	if n.Nmcli == nil {
		n.Nmcli = func(ctx context.Context, args ...string) error {
			out, err := exec.CommandContext(ctx, "nmcli", args...).CombinedOutput()
			if err != nil {
				return fmt.Errorf("nmcli %s: %w: %s", args[0], err, strings.TrimSpace(string(out)))
			}
			return nil
		}
	}
	if n.Query == nil {
		n.Query = runQuery
	}
}

// Apply installs w as the reader's Wi-Fi network, replacing the previous
// one; nil removes it.
func (n *NetworkManager) Apply(ctx context.Context, w *WiFi) error {
	n.defaults()
	path := filepath.Join(n.Dir, n.Name+".nmconnection")
	if w == nil {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("network: %w", err)
		}
		return n.Nmcli(ctx, "connection", "reload")
	}
	body, err := keyfile(n.Name, *w)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, body, 0o600); err != nil {
		return fmt.Errorf("network: %w", err)
	}
	return n.Nmcli(ctx, "connection", "load", path)
}

// keyfile is the NetworkManager connection for w. The SSID is written as a
// list of bytes, which any SSID survives; a passphrase must be printable
// ASCII (WPA's own rule), so it needs no escaping.
func keyfile(name string, w WiFi) ([]byte, error) {
	if w.SSID == "" || len(w.SSID) > 32 {
		return nil, errors.New("network: an SSID of 1 to 32 bytes is required")
	}
	for _, r := range w.Passphrase {
		if r < ' ' || r > '~' {
			return nil, errors.New("network: a WPA passphrase is printable ASCII")
		}
	}
	if p := len(w.Passphrase); p != 0 && (p < 8 || p > 63) {
		return nil, fmt.Errorf("network: a WPA passphrase has 8 to 63 characters, not %d", p)
	}
	ssid := make([]string, len(w.SSID))
	for i := range len(w.SSID) {
		ssid[i] = strconv.Itoa(int(w.SSID[i]))
	}
	id := sha256.Sum256([]byte(name))
	var b strings.Builder
	fmt.Fprintf(&b, "[connection]\nid=%s\nuuid=%x-%x-%x-%x-%x\ntype=wifi\nautoconnect=true\n\n", name, id[0:4], id[4:6], id[6:8], id[8:10], id[10:16])
	fmt.Fprintf(&b, "[wifi]\nmode=infrastructure\nssid=%s;\n\n", strings.Join(ssid, ";"))
	if w.Passphrase != "" {
		fmt.Fprintf(&b, "[wifi-security]\nkey-mgmt=wpa-psk\npsk=%s\n\n", w.Passphrase)
	}
	b.WriteString("[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=auto\n")
	return []byte(b.String()), nil
}

// Recorder is the simulator's network: it keeps what it was given, so a
// person or a test can see that the configuration's Wi-Fi arrived.
type Recorder struct {
	mu        sync.Mutex
	current   *WiFi
	applied   int
	inRange   []SimNetwork
	unplugged bool
}

// Apply records w.
func (r *Recorder) Apply(_ context.Context, w *WiFi) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.applied++
	r.current = nil
	if w != nil {
		c := *w
		r.current = &c
	}
	return nil
}

// Current returns the SSID in use ("" for none), whether it has a
// passphrase, and how many times credentials were applied. The passphrase
// itself never leaves.
func (r *Recorder) Current() (ssid string, secured bool, applied int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current == nil {
		return "", false, r.applied
	}
	return r.current.SSID, r.current.Passphrase != "", r.applied
}
