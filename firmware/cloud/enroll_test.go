package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/store"
)

// fakeGallery holds profiles; Delete fails while fail is set, and Add
// fails with addErr[id] for the profiles it names.
type fakeGallery struct {
	profiles map[string]api.Profile
	fail     error
	addErr   map[string]error
}

func (g *fakeGallery) Add(p api.Profile) error {
	if err := g.addErr[p.ID]; err != nil {
		return err
	}
	g.profiles[p.ID] = p
	return nil
}
func (g *fakeGallery) Delete(ids ...string) error {
	if g.fail != nil {
		return g.fail
	}
	for _, id := range ids {
		delete(g.profiles, id)
	}
	return nil
}
func (g *fakeGallery) Profile(id string) (api.Profile, error) {
	p, ok := g.profiles[id]
	if !ok {
		return api.Profile{}, fmt.Errorf("%w: %s", ErrNoProfile, id)
	}
	return p, nil
}

// site is a service taking events and enrollments, in the order they
// come; it can refuse enrollments (down).
type site struct {
	eventSink
	mu          sync.Mutex
	down        bool
	refuse      bool // enrollments are malformed for good (400)
	enrollments []api.Enrollment
	order       []string // event types and "upload" as they arrived
	changes     api.GalleryChanges
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case api.PathEnrollments:
		s.mu.Lock()
		defer s.mu.Unlock()
		var e api.Enrollment
		if s.down || json.NewDecoder(r.Body).Decode(&e) != nil {
			http.Error(w, `{"code":"down","message":"down"}`, http.StatusServiceUnavailable)
			return
		}
		if s.refuse {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"code":"bad_request","message":"id, badge and templates are required"}`))
			return
		}
		s.enrollments = append(s.enrollments, e)
		s.order = append(s.order, "upload")
		w.WriteHeader(http.StatusNoContent)
	case api.PathGallery:
		_ = json.NewEncoder(w).Encode(s.changes)
	default:
		n := len(s.eventSink.events)
		s.eventSink.serve(w, r)
		s.mu.Lock()
		for _, ev := range s.eventSink.events[n:] {
			s.order = append(s.order, ev.Type)
		}
		s.mu.Unlock()
	}
}

func record(t *testing.T, db *store.DB, kind string, data any) api.Event {
	ev, err := NewEvent(kind, data, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if kind == api.EventEnrolled {
		ev.ID = data.(api.Enrolled).Profile
	}
	if err := Record(db, ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestEnrollmentUploadedOnceInOrder: an enrollment in the outbox goes to
// the service as an Enrollment with the sealed profile's templates, in
// its place among the events; while the service is down it waits, and
// once it is back it arrives once. One deleted before its upload is
// dropped without being sent.
func TestEnrollmentUploadedOnceInOrder(t *testing.T) {
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := &fakeGallery{profiles: map[string]api.Profile{"p1": {ID: "p1", Badge: "12:3456", Templates: [][]byte{{1, 2}, {3}}}}}
	record(t, db, api.EventNotRecognized, api.Recognition{Reason: "x"})
	record(t, db, api.EventEnrolled, api.Enrolled{Profile: "p1"})
	record(t, db, api.EventEnrolled, api.Enrolled{Profile: "gone"})
	record(t, db, api.EventTamperRaised, nil)
	svc := &site{down: true}
	srv := httptest.NewTLSServer(http.HandlerFunc(svc.serve))
	defer srv.Close()
	s := syncerFor(t, db, srv)
	s.Gallery = g
	if err := s.Flush(context.Background()); err == nil {
		t.Fatal("flushed while the service refused the enrollment")
	}
	if n, _ := db.OutboxLen(); n != 3 {
		t.Fatalf("%d events left while the service is down, want the enrollments and what follows", n)
	}
	svc.mu.Lock()
	svc.down = false
	svc.mu.Unlock()
	for range 2 {
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{api.EventNotRecognized, "upload", api.EventTamperRaised}
	if !slices.Equal(svc.order, want) {
		t.Fatalf("the service got %v, want %v", svc.order, want)
	}
	e := svc.enrollments[0]
	if e.ID != "p1" || e.Badge != "12:3456" || len(e.Templates) != 2 {
		t.Fatalf("uploaded %+v", e)
	}
	if n, _ := db.OutboxLen(); n != 0 {
		t.Fatalf("%d left in the outbox", n)
	}
}

// TestUnenrolmentReported: the service's deletions remove the people and
// are reported one event each; a reader that could not delete reports
// why, and keeps its cursor to try again.
func TestUnenrolmentReported(t *testing.T) {
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := &fakeGallery{profiles: map[string]api.Profile{"p1": {ID: "p1"}, "p2": {ID: "p2"}}, fail: errors.New("store: disk I/O")}
	svc := &site{changes: api.GalleryChanges{Cursor: "7", Deleted: []string{"p1"}}}
	srv := httptest.NewTLSServer(http.HandlerFunc(svc.serve))
	defer srv.Close()
	s := syncerFor(t, db, srv)
	s.Gallery = g
	if err := s.syncGallery(context.Background()); err == nil {
		t.Fatal("a failed deletion went unnoticed")
	}
	if c, _ := db.Get(keyCursor); string(c) == "7" {
		t.Fatal("the cursor moved past a deletion that failed")
	}
	g.fail = nil
	if err := s.syncGallery(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.profiles["p1"]; ok {
		t.Fatal("p1 still here")
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := profileEvents(svc.events)
	want := []string{api.EventNotUnenrolled + "/p1/store: disk I/O", api.EventUnenrolled + "/p1/"}
	if !slices.Equal(got, want) {
		t.Fatalf("reported %q, want %q", got, want)
	}
}

// TestEnrollmentRefusedForGoodIsDropped: an enrollment the service will
// never take (400) leaves the outbox, so the events after it go on.
func TestEnrollmentRefusedForGoodIsDropped(t *testing.T) {
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := &fakeGallery{profiles: map[string]api.Profile{"p1": {ID: "p1", Badge: "12:3456"}}}
	record(t, db, api.EventEnrolled, api.Enrolled{Profile: "p1"})
	record(t, db, api.EventTamperRaised, nil)
	svc := &site{refuse: true}
	srv := httptest.NewTLSServer(http.HandlerFunc(svc.serve))
	defer srv.Close()
	s := syncerFor(t, db, srv)
	s.Gallery = g
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(svc.order, []string{api.EventTamperRaised}) {
		t.Fatalf("the service got %v", svc.order)
	}
}

// TestRefusedProfilePassedOver: a profile the reader cannot match is
// reported and passed over, and the gallery after it still arrives; a
// failure of the reader's own store ends the round with the cursor kept.
func TestRefusedProfilePassedOver(t *testing.T) {
	refused := fmt.Errorf("people: profile p1: %w: template: version 9", ErrProfileRefused)
	cases := []struct {
		name       string
		err        error
		wantErr    bool
		wantCursor string
		wantEvents []string
	}{
		{"refused", refused, false, "7", []string{api.EventProfileRefused + "/p1/" + refused.Error()}},
		{"store failing", errors.New("store: disk I/O"), true, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, err := store.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			g := &fakeGallery{profiles: map[string]api.Profile{}, addErr: map[string]error{"p1": c.err}}
			svc := &site{changes: api.GalleryChanges{Cursor: "7", Added: []api.Profile{{ID: "p1"}, {ID: "p2"}}}}
			srv := httptest.NewTLSServer(http.HandlerFunc(svc.serve))
			defer srv.Close()
			s := syncerFor(t, db, srv)
			s.Gallery = g
			if err := s.syncGallery(context.Background()); (err != nil) != c.wantErr {
				t.Fatalf("sync: %v", err)
			}
			if cur, _ := db.Get(keyCursor); string(cur) != c.wantCursor {
				t.Fatalf("cursor %q, want %q", cur, c.wantCursor)
			}
			if _, ok := g.profiles["p2"]; ok == c.wantErr {
				t.Fatalf("p2 added %v", ok)
			}
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := profileEvents(svc.events); !slices.Equal(got, c.wantEvents) {
				t.Fatalf("reported %q, want %q", got, c.wantEvents)
			}
		})
	}
}

// profileEvents renders events about a profile (api.Unenrollment,
// api.ProfileRefused: both carry profile and reason) as type/profile/reason.
func profileEvents(events []api.Event) []string {
	var got []string
	for _, ev := range events {
		var d struct{ Profile, Reason string }
		_ = json.Unmarshal(ev.Data, &d)
		got = append(got, ev.Type+"/"+d.Profile+"/"+d.Reason)
	}
	return got
}
