package main

import (
	"context"
	"encoding/json"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/palmd/palmd/biometric/template/templatetest"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
)

// recordAt puts a recognition event with the given time in the reader's
// outbox and returns it.
func (r *reader) recordAt(kind string, data api.Recognition, at time.Time) api.Event {
	r.t.Helper()
	ev, err := cloud.NewEvent(kind, data, at)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := cloud.Record(r.db, ev); err != nil {
		r.t.Fatal(err)
	}
	return ev
}

// enroll uploads a synthetic person enrolled at r and returns the
// template bytes sent.
func (r *reader) enroll(id, badge string, seed uint64) []byte {
	r.t.Helper()
	rng := mrand.New(mrand.NewPCG(seed, seed+1))
	tmpl := templatetest.NewIdentity(rng).Capture(rng, 0.1, 1)
	raw, err := tmpl.MarshalBinary()
	if err != nil {
		r.t.Fatal(err)
	}
	e := api.Enrollment{ID: id, Badge: badge, Templates: [][]byte{raw}, At: time.Now()}
	if err := r.syncr.Enroll(context.Background(), e); err != nil {
		r.t.Fatal(err)
	}
	return raw
}

// fullDiskService starts a service whose events file is /dev/full: every
// write to it fails with ENOSPC, as on a full filesystem.
func fullDiskService(t *testing.T) (*service, string) {
	t.Helper()
	dir := t.TempDir()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	link := filepath.Join(dir, "events.jsonl")
	if err := os.Symlink("/dev/full", link); err != nil {
		t.Fatal(err)
	}
	return startService(t, dir, ""), link
}

func (s *service) mustPending(want int) {
	s.t.Helper()
	if n, err := s.srv.events.pending(); err != nil || n != want {
		s.t.Fatalf("%d events waiting for publication (err %v), want %d", n, err, want)
	}
}

// countIDs counts each published event ID.
func (s *service) countIDs() map[string]int {
	seen := map[string]int{}
	for _, p := range s.publishedEvents() {
		seen[p.ID]++
	}
	return seen
}

// TestAckedEventsPublishedAfterDiskFull: events acknowledged while the
// events file's disk is full are published, once each, when space comes
// back, and also after a restart in between.
func TestAckedEventsPublishedAfterDiskFull(t *testing.T) {
	svc, link := fullDiskService(t)
	_, inst := svc.door("", "Lobby")
	r := newReader(t, svc, "")
	r.activate(svc.qrToken(inst))
	var ids []string
	for range 5 {
		ids = append(ids, r.recordAt(api.EventNotRecognized, api.Recognition{Reason: "no match"}, time.Now()).ID)
	}
	r.mustRound()
	if n, _ := r.db.OutboxLen(); n != 0 {
		t.Fatalf("the reader still holds %d events: the service did not acknowledge them", n)
	}
	svc.mustPending(5)
	if err := svc.srv.events.flush(); err == nil {
		t.Fatal("publishing to a full disk reported success")
	}

	// The service restarts with the disk still full; then space comes back.
	svc.stop()
	svc = startService(t, svc.dir, svc.addr)
	svc.mustPending(5)
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := svc.srv.events.flush(); err != nil {
		t.Fatal(err)
	}
	svc.mustPending(0)
	seen := svc.countIDs()
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("event %s published %d times, want once", id, seen[id])
		}
	}
}

// TestMalformedRecognitionRefused: a recognition whose data is neither
// api.Recognition nor the legacy form is refused for good with the field
// named, the reader drops it, and the good events of its batch are
// published: one bad event cannot hold up the outbox.
func TestMalformedRecognitionRefused(t *testing.T) {
	svc, _, r := activeReader(t, "Gate")
	for i, data := range []any{
		map[string]any{"badge": 12},
		map[string]string{"badge": "1:2", "bagde": "typo"},
		map[string]string{"associatedIdType": "email", "associatedIdValue": "x"},
		api.Recognition{Decision: "maybe"},
	} {
		bad, err := cloud.NewEvent(api.EventRecognized, data, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		good, _ := cloud.NewEvent(api.EventRecognized, api.Recognition{Badge: "12:3456", Decision: api.DecisionGranted}, time.Now())
		for _, ev := range []api.Event{bad, good} {
			if err := cloud.Record(r.db, ev); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.round(); err != nil {
			t.Fatalf("data %v: the round failed: %v", data, err)
		}
		if n, _ := r.db.OutboxLen(); n != 0 {
			t.Fatalf("data %v: %d events left in the outbox", data, n)
		}
		var seen map[string]int
		for deadline := time.Now().Add(10 * time.Second); seen[good.ID] == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			seen = svc.countIDs()
		}
		if seen[good.ID] != 1 || seen[bad.ID] != 0 || len(seen) != i+1 {
			t.Fatalf("data %v: published %v; want the good event of each batch once, no bad one", data, seen)
		}
	}
}

func mustPendingSeq(t *testing.T, r *reader) []uint64 {
	t.Helper()
	entries, err := r.db.Pending(10)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for _, e := range entries {
		seqs = append(seqs, e.Seq)
	}
	return seqs
}

// TestCrashAfterWriteBeforeCommit: the service dies after writing events
// to the file and before recording that it did; the next start writes
// them again over the same place, so each is in the file once.
func TestCrashAfterWriteBeforeCommit(t *testing.T) {
	svc, link := fullDiskService(t)
	_, inst := svc.door("", "Lobby")
	r := newReader(t, svc, "")
	r.activate(svc.qrToken(inst))
	var ids []string
	for range 3 {
		ids = append(ids, r.recordAt(api.EventNotRecognized, api.Recognition{Reason: "no match"}, time.Now()).ID)
	}
	r.mustRound()
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	// The first step of a flush, then the crash.
	p := svc.srv.events
	p.mu.Lock()
	off, lines, _, err := p.nextBatch()
	if err == nil {
		_, err = p.write(off, lines[:len(lines)-7]) // cut mid-line, as a kill can
	}
	p.closeLocked()
	p.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	svc.stop()
	svc = startService(t, svc.dir, svc.addr)
	if err := svc.srv.events.flush(); err != nil {
		t.Fatal(err)
	}
	seen := svc.countIDs()
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("event %s published %d times, want once", id, seen[id])
		}
	}
}

// TestRecognitionEventsInGuideShape: a reader's recognitions are published
// with the time they happened and the guide's data block.
func TestRecognitionEventsInGuideShape(t *testing.T) {
	svc, inst, r := activeReader(t, "Turnstile")
	r.enroll("person-1", "12:3456", 1)
	happened := time.Date(2026, 3, 1, 8, 59, 30, 0, time.UTC) // delivered long after
	ok := r.recordAt(api.EventRecognized, api.Recognition{Profile: "person-1", Badge: "12:3456", Decision: api.DecisionGranted}, happened)
	denied := r.recordAt(api.EventNotRecognized, api.Recognition{Profile: "person-1", Badge: "12:3456", Decision: api.DecisionDenied, Reason: "the controller denied the badge"}, happened.Add(time.Second))
	nobody := r.recordAt(api.EventNotRecognized, api.Recognition{Reason: "no match"}, happened.Add(2*time.Second))
	// What readers recorded before api.Recognition, still in their outboxes.
	legacy, err := cloud.NewEvent(api.EventRecognized, map[string]string{"associatedIdType": "badge", "associatedIdValue": "12:3456"}, happened.Add(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := cloud.Record(r.db, legacy); err != nil {
		t.Fatal(err)
	}
	r.mustRound()
	byID := map[string]published{}
	for _, p := range svc.publishedEvents() {
		byID[p.ID] = p
	}
	badge := `[{"associatedIdType":"badge","associatedIdValue":"12:3456"}]`
	for _, tc := range []struct {
		ev   api.Event
		want map[string]any
	}{
		{ok, map[string]any{"accountId": "000000000000", "requestSource": inst, "createdTimestamp": "2026-03-01T08:59:30Z",
			"userStatus": "ACTIVE", "associatedIds": badge, "accessDecision": "GRANTED"}},
		{denied, map[string]any{"accountId": "000000000000", "requestSource": inst, "createdTimestamp": "2026-03-01T08:59:31Z",
			"userStatus": "ACTIVE", "associatedIds": badge, "accessDecision": "DENIED", "reason": "the controller denied the badge"}},
		{nobody, map[string]any{"accountId": "000000000000", "requestSource": inst, "createdTimestamp": "2026-03-01T08:59:32Z",
			"associatedIds": "[]", "reason": "no match"}},
		{legacy, map[string]any{"accountId": "000000000000", "requestSource": inst, "createdTimestamp": "2026-03-01T08:59:33Z",
			"associatedIds": badge}},
	} {
		p, found := byID[tc.ev.ID]
		if !found {
			t.Fatalf("%s not published", tc.ev.Type)
		}
		got, _ := json.Marshal(p.Detail.Data)
		want, _ := json.Marshal(tc.want)
		if string(got) != string(want) || p.Time != tc.want["createdTimestamp"] || p.DetailType != tc.ev.Type {
			t.Errorf("%s published as\n%s at %s\nwant\n%s at %s", tc.ev.Type, got, p.Time, want, tc.want["createdTimestamp"])
		}
		if p.Detail.Metadata["siteName"] != "HQ" || p.Detail.Metadata["siteArn"] == "" {
			t.Errorf("%s metadata %v", tc.ev.Type, p.Detail.Metadata)
		}
	}
}
