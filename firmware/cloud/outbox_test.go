package cloud

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/store"
)

// eventSink is a service that accepts every event and keeps them.
type eventSink struct {
	mu     sync.Mutex
	events []api.Event
}

func (s *eventSink) serve(w http.ResponseWriter, r *http.Request) {
	var b api.EventBatch
	if r.URL.Path != api.PathEvents || json.NewDecoder(r.Body).Decode(&b) != nil {
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	var ack api.EventAck
	s.mu.Lock()
	for _, ev := range b.Events {
		s.events = append(s.events, ev)
		ack.Accepted = append(ack.Accepted, ev.ID)
	}
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(ack)
}

func syncerFor(t *testing.T, db *store.DB, srv *httptest.Server) *Syncer {
	anchors := x509.NewCertPool()
	anchors.AddCert(srv.Certificate())
	c := httpClient(tlsPolicy(anchors, nil))
	s := &Syncer{Store: db, client: &clientState{base: srv.URL, do: func(ctx context.Context, method, path string, in, out any) (bool, error) {
		return call(ctx, c, method, srv.URL+path, in, out)
	}}}
	s.defaults()
	return s
}

// TestFlushReportsDrops: events the reader had to drop are reported to
// the service, once, before the events it kept.
func TestFlushReportsDrops(t *testing.T) {
	const bound = 20
	db, err := store.OpenWith(t.TempDir(), store.Options{MaxOutbox: bound})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range bound + 3 {
		ev, _ := NewEvent(api.EventRecognized, api.Recognition{Badge: "12:3456"}, time.Now())
		if err := Record(db, ev); err != nil {
			t.Fatal(err)
		}
	}
	sink := &eventSink{}
	srv := httptest.NewTLSServer(http.HandlerFunc(sink.serve))
	defer srv.Close()
	s := syncerFor(t, db, srv)
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(sink.events) != bound+1 {
		t.Fatalf("the service got %d events, want the %d kept and one report", len(sink.events), bound)
	}
	first := sink.events[0]
	var d api.EventsDropped
	if first.Type != api.EventEventsDropped || json.Unmarshal(first.Data, &d) != nil || d.Count != 3 {
		t.Fatalf("first event %s %s, want a report of 3 dropped", first.Type, first.Data)
	}
	if _, left, _ := db.DropReport(); left != 0 {
		t.Fatalf("%d drops still to report", left)
	}
}
