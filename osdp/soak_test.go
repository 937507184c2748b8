package osdp_test

import (
	"encoding/binary"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palmd/palmd/osdp"
)

// soakPolls is the number of polls in TestSoak; OSDP_SOAK_POLLS overrides.
func soakPolls(t *testing.T) int64 {
	if s := os.Getenv("OSDP_SOAK_POLLS"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			t.Fatalf("OSDP_SOAK_POLLS=%q", s)
		}
		return n
	}
	if testing.Short() {
		return 5000
	}
	return 20000 // make bench runs 100,000 (OSDP_SOAK_POLLS)
}

// TestSoak polls a PD over a Secure Channel across a pty line that injects
// random bytes between frames and corrupts some frames, and checks that
// every card read arrives exactly once and in order.
func TestSoak(t *testing.T) {
	polls := soakPolls(t)
	b := newBus(t)
	b.noise = noisy(1, 0.05, 0.002)
	var answered, repeats atomic.Int64
	var presented atomic.Uint32
	var pd *osdp.PD
	observe := func(ex osdp.Exchange) {
		if ex.Repeat {
			repeats.Add(1)
		}
		if ex.Command.Code != osdp.CmdPOLL || ex.Repeat {
			return
		}
		// A read every 25 polls, as fast as a queue of 8 allows.
		if answered.Add(1)%25 == 0 {
			id := presented.Load() + 1
			data := binary.BigEndian.AppendUint32(nil, id)
			if pd.Present(osdp.Card{Bits: 32, Data: data}) == nil {
				presented.Store(id)
			}
		}
	}
	pd = runPD(t, osdp.PDConfig{Address: 1, SCBK: testKey, Observe: observe}, newDevice(), b.port())
	cp := runCP(t, osdp.CPConfig{PDs: []osdp.PeerConfig{{Address: 1, SCBK: testKey}}, ReplyTimeout: 50 * time.Millisecond}, b.port())

	var next uint32 = 1
	counts := map[osdp.EventKind]int{}
	deadline := time.After(10 * time.Minute)
	for answered.Load() < polls || next <= presented.Load() {
		select {
		case ev := <-cp.Events():
			counts[ev.Kind]++
			if ev.Kind != osdp.EventCard {
				continue
			}
			got := binary.BigEndian.Uint32(ev.Data)
			if got != next {
				t.Fatalf("card %d arrived when %d was due (duplicate or loss)", got, next)
			}
			next++
		case <-deadline:
			t.Fatalf("soak stalled after %d polls, %d of %d cards", answered.Load(), next-1, presented.Load())
		}
	}
	if next-1 < uint32(polls/25/2) {
		t.Fatalf("only %d cards in %d polls", next-1, polls)
	}
	if polls >= 10000 && repeats.Load() == 0 {
		t.Error("no reply was ever repeated: the injected corruption did not reach the stack")
	}
	t.Logf("%d polls, %d cards exactly once, %d replies repeated after lost frames, events %v",
		answered.Load(), next-1, repeats.Load(), counts)
}
