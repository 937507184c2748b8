package network

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNetworkManagerKeyfile(t *testing.T) {
	dir := t.TempDir()
	var calls [][]string
	nm := &NetworkManager{Dir: dir, Nmcli: func(_ context.Context, args ...string) error {
		calls = append(calls, args)
		return nil
	}}
	if err := nm.Apply(context.Background(), &WiFi{SSID: "Café;1", Passphrase: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "palmd-wifi.nmconnection")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("keyfile mode %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	for _, want := range []string{"ssid=67;97;102;195;169;59;49;", "psk=correct horse", "key-mgmt=wpa-psk", "autoconnect=true"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("keyfile lacks %q:\n%s", want, b)
		}
	}
	if len(calls) != 1 || strings.Join(calls[0], " ") != "connection load "+path {
		t.Fatalf("nmcli calls %v", calls)
	}
	for _, c := range calls {
		if strings.Contains(strings.Join(c, " "), "correct horse") {
			t.Fatal("the passphrase went on nmcli's command line")
		}
	}
	if err := nm.Apply(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("removing the Wi-Fi left its keyfile")
	}
}

func TestNetworkManagerRefuses(t *testing.T) {
	nm := &NetworkManager{Dir: t.TempDir(), Nmcli: func(context.Context, ...string) error { return nil }}
	for _, w := range []WiFi{{SSID: ""}, {SSID: "x", Passphrase: "short"}, {SSID: "x", Passphrase: "line\nbreak-in-it"}} {
		if err := nm.Apply(context.Background(), &w); err == nil {
			t.Errorf("%+v accepted", w)
		}
	}
}

func TestRecorder(t *testing.T) {
	var r Recorder
	_ = r.Apply(context.Background(), &WiFi{SSID: "HQ", Passphrase: "12345678"})
	if ssid, secured, n := r.Current(); ssid != "HQ" || !secured || n != 1 {
		t.Fatalf("current %q %v %d", ssid, secured, n)
	}
	_ = r.Apply(context.Background(), nil)
	if ssid, _, n := r.Current(); ssid != "" || n != 2 {
		t.Fatalf("after removal %q %d", ssid, n)
	}
}
