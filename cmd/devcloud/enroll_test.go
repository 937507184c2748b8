package main

import (
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/match"
	palm "github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
)

// enrolAt stores a profile as an enrollment desk does (sealed in the
// reader's vault, searchable) and queues its upload through the outbox.
func (r *reader) enrolAt(id, badge, replaces string, who *templatetest.Identity, rng *mrand.Rand) {
	r.t.Helper()
	t := who.Capture(rng, 0.1, 1)
	raw, _ := t.MarshalBinary()
	if err := r.people.Enrol(api.Profile{ID: id, Badge: badge, Templates: [][]byte{raw}}, replaces); err != nil {
		r.t.Fatal(err)
	}
	ev, err := cloud.NewEvent(api.EventEnrolled, api.Enrolled{Profile: id, Replaces: replaces}, time.Now())
	if err != nil {
		r.t.Fatal(err)
	}
	ev.ID = id
	if err := cloud.Record(r.db, ev); err != nil {
		r.t.Fatal(err)
	}
}

// failingGallery is a reader's directory whose deletions fail while err is set.
type failingGallery struct {
	cloud.Gallery
	err error
}

func (g *failingGallery) Delete(ids ...string) error {
	if g.err != nil {
		return g.err
	}
	return g.Gallery.Delete(ids...)
}

func published1(t *testing.T, svc *service, detail string, match func(published) bool) []published {
	t.Helper()
	var out []published
	for _, p := range svc.publishedEvents() {
		if p.DetailType == detail && match(p) {
			out = append(out, p)
		}
	}
	return out
}

func dataJSON(p published) string { b, _ := json.Marshal(p.Detail.Data); return string(b) }

// TestEnrollmentAcrossTheSite: an enrollment made at the desk reaches
// every reader of its site and no other site's, and is published in the
// guide's shape; a re-enrollment of the badge replaces the profile on
// every reader without an un-enrollment; the desk's failures are
// published with their reason; the console's deletion makes the person
// unrecognisable on every reader, which each report, a reader that could
// not delete saying why.
func TestEnrollmentAcrossTheSite(t *testing.T) {
	svc := startService(t, "", "")
	siteID, deskID := svc.door("", "Desk")
	_, doorID := svc.door(siteID, "Turnstile")
	_, elsewhere := svc.door("", "Other site")
	desk, door, other := newReader(t, svc, ""), newReader(t, svc, ""), newReader(t, svc, "")
	desk.activate(svc.qrToken(deskID))
	door.activate(svc.qrToken(doorID))
	other.activate(svc.qrToken(elsewhere))
	rng := mrand.New(mrand.NewPCG(3, 4))
	who := templatetest.NewIdentity(rng)
	probe := func() match.Probe { return match.Probe{Codes: []palm.Template{who.Capture(rng, 0.2, 2)}} }
	opts := gallery.Options{Threshold: 0.32}

	desk.enrolAt("p1", "12:3456", "", who, rng)
	desk.mustRound()
	door.mustRound()
	other.mustRound()
	if m := door.people.Gallery.Identify(probe(), opts); !m.Matched || m.ID != "p1" {
		t.Fatalf("the door does not recognise the person enrolled at the desk: %+v", m)
	}
	if m := other.people.Gallery.Identify(probe(), opts); m.Matched {
		t.Fatalf("another site's reader recognises them: %+v", m)
	}
	enrolled := published1(t, svc, api.EventEnrolled, func(published) bool { return true })
	badge := `[{"associatedIdType":"badge","associatedIdValue":"12:3456"}]`
	if len(enrolled) != 1 || enrolled[0].Resources[0] != "arn:palmd:one:local:000000000000:user/p1" ||
		enrolled[0].Detail.Data["enrollmentSource"] != deskID || enrolled[0].Detail.Data["associatedIds"] != badge ||
		enrolled[0].Detail.Data["userStatus"] != "ACTIVE" || enrolled[0].Detail.Data["accountId"] != "000000000000" {
		t.Fatalf("published %+v", enrolled)
	}

	desk.enrolAt("p2", "12:3456", "p1", who, rng)
	desk.mustRound()
	door.mustRound()
	desk.mustRound()
	if m := door.people.Gallery.Identify(probe(), opts); !m.Matched || m.ID != "p2" {
		t.Fatalf("after re-enrolling, the door matches %+v", m)
	}
	if n, _ := door.people.Gallery.Len(); n != 1 {
		t.Fatalf("the door holds %d people after a re-enrollment", n)
	}
	if un := published1(t, svc, api.EventUnenrolled, func(published) bool { return true }); len(un) != 0 {
		t.Fatalf("a re-enrollment was published as un-enrollment: %+v", un)
	}

	declined, _ := cloud.NewEvent(api.EventNotEnrolled, api.EnrollmentFailure{Cause: api.EnrollDeclined, Reason: "the person declined consent"}, time.Now())
	dup, _ := cloud.NewEvent(api.EventNotEnrolled, api.EnrollmentFailure{Badge: "12:99", Cause: api.EnrollDup, Reason: "the palm is already enrolled to another badge"}, time.Now())
	for _, ev := range []api.Event{declined, dup} {
		if err := cloud.Record(desk.db, ev); err != nil {
			t.Fatal(err)
		}
	}
	desk.mustRound()
	for _, c := range []struct {
		ev  api.Event
		ids string
	}{{declined, "[]"}, {dup, `[{"associatedIdType":"badge","associatedIdValue":"12:99"}]`}} {
		ev, ids := c.ev, c.ids
		got := published1(t, svc, api.EventNotEnrolled, func(p published) bool { return p.ID == ev.ID })
		var f api.EnrollmentFailure
		_ = json.Unmarshal(ev.Data, &f)
		if len(got) != 1 || got[0].Detail.Data["associatedIds"] != ids || got[0].Detail.Data["reason"] != f.Reason ||
			got[0].Detail.Data["enrollmentSource"] != deskID || got[0].Detail.Data["deviceInstanceName"] != "Desk" {
			t.Fatalf("%s published %+v", f.Cause, got)
		}
	}

	stuck := &failingGallery{Gallery: door.people, err: errors.New("people: store: disk I/O error")}
	door.syncr.Gallery = stuck
	svc.must("DELETE", "/manage/users/p2", nil, nil)
	desk.mustRound()
	if err := door.round(); err == nil {
		t.Fatal("a failed deletion went unnoticed")
	}
	stuck.err = nil
	door.mustRound()
	for _, r := range []*reader{desk, door} {
		if m := r.people.Gallery.Identify(probe(), opts); m.Matched {
			t.Fatalf("deleted person recognised: %+v", m)
		}
	}
	reports := map[string]string{}
	for _, p := range svc.publishedEvents() {
		if p.DetailType == api.EventUnenrolled || p.DetailType == api.EventNotUnenrolled {
			reports[fmt.Sprint(p.DetailType, "/", p.Detail.Data["requestSource"])] = dataJSON(p)
		}
	}
	if len(reports) != 4 { // the console's own, both readers', and the door's failure
		t.Fatalf("un-enrollments published: %v", reports)
	}
	failure := reports[api.EventNotUnenrolled+"/"+doorID]
	var d map[string]any
	if json.Unmarshal([]byte(failure), &d) != nil || d["reason"] != "people: store: disk I/O error" || d["associatedIds"] != badge ||
		d["userStatus"] != "DELETED" || d["deviceInstanceName"] != "Turnstile" {
		t.Fatalf("the door's failure published as %s", failure)
	}
	if _, ok := reports[api.EventUnenrolled+"/"+deskID]; !ok {
		t.Fatalf("the desk's un-enrollment missing: %v", reports)
	}
}
