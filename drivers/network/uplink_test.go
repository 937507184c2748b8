package network

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestParseScan(t *testing.T) {
	out := []byte("Office:72:WPA2\nGuest:40:\nOffice:30:WPA2\nLab\\:5GHz:88:WPA3\n:55:WPA2\n")
	got := parseScan(out)
	want := []Network{{SSID: "Lab:5GHz", Signal: 88, Secured: true}, {SSID: "Office", Signal: 72, Secured: true}, {SSID: "Guest", Signal: 40}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parseScan = %+v, want %+v", got, want)
	}
}

func TestNetworkManagerJoinWaitsForTheLink(t *testing.T) {
	var queries int
	n := &NetworkManager{Dir: t.TempDir(), Nmcli: func(context.Context, ...string) error { return nil },
		Query: func(context.Context, ...string) ([]byte, error) {
			queries++
			if queries < 2 {
				return []byte("ethernet:unavailable\nwifi:connecting\n"), nil
			}
			return []byte("ethernet:unavailable\nwifi:connected\n"), nil
		}}
	if err := n.Join(context.Background(), &WiFi{SSID: "Office", Passphrase: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	if queries != 2 {
		t.Fatalf("asked %d times, want 2 (until Wi-Fi was connected)", queries)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := n.Join(ctx, nil); err == nil {
		t.Fatal("Ethernet join succeeded without a connected Ethernet device")
	}
}

func TestRecorderJoin(t *testing.T) {
	r := &Recorder{}
	r.SetRange([]SimNetwork{{Network{SSID: "Office", Signal: 70, Secured: true}, "correct horse"}, {Network{SSID: "Guest", Signal: 90}, ""}})
	ctx := context.Background()
	if nets, _ := r.Scan(ctx); len(nets) != 2 || nets[0].SSID != "Guest" {
		t.Fatalf("scan %+v, want Guest first", nets)
	}
	for _, tc := range []struct {
		w    *WiFi
		want error
	}{
		{&WiFi{SSID: "Office", Passphrase: "wrong one"}, ErrRefused},
		{&WiFi{SSID: "Elsewhere"}, ErrNotInRange},
		{&WiFi{SSID: "Office", Passphrase: "correct horse"}, nil},
	} {
		if err := r.Join(ctx, tc.w); !errors.Is(err, tc.want) {
			t.Fatalf("join %s: %v, want %v", tc.w.SSID, err, tc.want)
		}
	}
	if ssid, secured, n := r.Current(); ssid != "Office" || !secured || n != 1 {
		t.Fatalf("current %q %v %d, want Office, secured, applied once", ssid, secured, n)
	}
	r.Plug(false)
	if err := r.Join(ctx, nil); !errors.Is(err, ErrNoCable) {
		t.Fatalf("ethernet without a cable: %v", err)
	}
}
