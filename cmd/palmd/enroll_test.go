package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/palmd/palmd/biometric/enroll"
	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/synth"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/appliance"
	"github.com/palmd/palmd/firmware/people"
	"github.com/palmd/palmd/firmware/store"
)

// site is one devcloud site with an enrollment desk and a door, each a
// palmd of its own on simulated hardware.
type site struct {
	dc               *devcloud
	desk, door       *palmd
	deskID, doorID   string
	deskCfg, doorCfg string
}

// newSite activates a desk (enrolling the right hand, with few attempts
// so that a failure to enrol comes quickly) and a door, both of one site.
func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{dc: startDevcloud(t)}
	var st struct{ SiteID string }
	s.dc.cli(&st, "site", "create", "HQ", "--line1", "1 Main St", "--city", "Springfield", "--country", "US")
	desk := api.DefaultConfig()
	desk.Mode, desk.Enrollment = appliance.ModeEnrollment, api.EnrollmentConfig{Hands: api.HandRight, MaxAttempts: 30}
	var deskPNG, doorPNG string
	s.deskID, deskPNG = s.dc.instanceIn(t, st.SiteID, "Enrollment desk", desk)
	s.doorID, doorPNG = s.dc.instanceIn(t, st.SiteID, "Front door", api.DefaultConfig())
	var deskControl, doorControl string
	s.deskCfg, deskControl = writeConfig(t, s.dc.serviceSection(""))
	s.doorCfg, doorControl = writeConfig(t, s.dc.serviceSection(""))
	s.desk = startPalmd(t, s.deskCfg, deskControl)
	s.door = startPalmd(t, s.doorCfg, doorControl)
	s.desk.activate(deskPNG)
	s.door.activate(doorPNG)
	s.desk.waitState("get started", func(st appliance.Status) bool { return st.Screen.Name == appliance.ScreenEnrollStart })
	return s
}

// instanceIn makes a configured instance in a site and its code's PNG.
func (d *devcloud) instanceIn(t *testing.T, siteID, name string, cfg api.Config) (inst, png string) {
	t.Helper()
	var in struct{ DeviceInstanceID string }
	d.cli(&in, "instance", "create", name, "--site", siteID)
	d.configure(in.DeviceInstanceID, cfg)
	png = filepath.Join(t.TempDir(), "code.png")
	d.cli(nil, "qr", in.DeviceInstanceID, "--png", png)
	return in.DeviceInstanceID, png
}

func (p *palmd) screen(name string) appliance.Status {
	p.t.Helper()
	return p.waitState(name, func(s appliance.Status) bool { return s.Screen.Name == name })
}

func (p *palmd) touch(button string) {
	p.t.Helper()
	p.post("/touch", "application/json", []byte(`{"button":"`+button+`"}`))
}

// hand holds a capture of person's right hand over the camera, the
// presentation replayed from seed so that a test's outcome does not
// depend on the draw (one capture matches another of the same hand only
// most of the time, see duplicateFalseMatchRate).
func (p *palmd) hand(person int, pose string, seed int) {
	p.t.Helper()
	p.post("/hand", "application/json", fmt.Appendf(nil, `{"person":%d,"hand":"right","pose":%q,"seed":%d}`, person, pose, seed))
}

func (p *palmd) away() { p.post("/hand", "application/json", []byte(`{"away":true}`)) }

// toConsent plays "Get started", a badge, "Badge scanned" and the terms.
func (p *palmd) toConsent(badge string) {
	p.t.Helper()
	p.touch(appliance.ButtonStart)
	p.screen(appliance.ScreenEnrollBadge)
	p.post("/badge", "application/json", []byte(`{"text":"`+badge+`"}`))
	p.screen(appliance.ScreenEnrollScanned)
	p.screen(appliance.ScreenEnrollTerms)
	p.touch(appliance.ButtonOK)
	p.screen(appliance.ScreenEnrollConsent)
}

// enrol plays a whole enrollment of person's right hand and returns the
// screen it ended on.
func (p *palmd) enrol(badge string, person int, pose string, seed int) appliance.Status {
	st, _ := p.enrolAt(badge, person, pose, seed)
	return st
}

// enrolAt is enrol, also returning when the enrollment ended.
func (p *palmd) enrolAt(badge string, person int, pose string, seed int) (appliance.Status, time.Time) {
	p.t.Helper()
	p.toConsent(badge)
	p.touch(appliance.ButtonAgree)
	p.screen(appliance.ScreenEnrollCapture)
	p.hand(person, pose, seed)
	st := p.waitState("the end of the captures", func(s appliance.Status) bool {
		return s.Enroll == appliance.EnrollComplete || s.Enroll == appliance.EnrollFailed
	})
	at := time.Now()
	p.away()
	p.screen(appliance.ScreenEnrollStart)
	return st, at
}

// presentAtDoor holds person's hand at the door, as pose says, until it
// decides.
func (s *site) presentAtDoor(person int, pose string, seed int) appliance.Status {
	s.door.t.Helper()
	s.door.screen(appliance.ScreenIdle)
	s.door.hand(person, pose, seed)
	st := s.door.waitState("a decision", func(st appliance.Status) bool { return st.Entry == appliance.StepResult })
	s.door.away()
	return st
}

// users is devcloud's list of enrolled users.
func (s *site) users() []userRow {
	var u struct{ Users []userRow }
	s.dc.cli(&u, "GET", "/manage/users")
	return u.Users
}

type userRow struct {
	ID     string `json:"userId"`
	Badge  string `json:"badge"`
	Status string `json:"userStatus"`
	Source string `json:"enrollmentSource"`
}

// waitFor polls devcloud's published events until ok holds (up to 40 s:
// two sync rounds of each reader and a restart's backoff).
func (s *site) waitFor(t *testing.T, what string, ok func([]map[string]any) bool) []map[string]any {
	t.Helper()
	var evs []map[string]any
	for deadline := time.Now().Add(40 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if evs = s.dc.published(); ok(evs) {
			return evs
		}
	}
	t.Fatalf("waiting for %s; published:\n%v", what, evs)
	return nil
}

func count(evs []map[string]any, detail string, match func(data map[string]any) bool) int {
	n := 0
	for _, ev := range evs {
		if ev["detail-type"] == detail && match(dataOf(ev)) {
			n++
		}
	}
	return n
}

func any1(map[string]any) bool { return true }

// TestEnrolAtTheDeskThenEnterAtTheDoor: a synthetic person enrolled at
// the desk through the real pipeline (the badge on the simulated
// keyboard-wedge scanner, the screens in the guide's order, the captures
// of their hand) is granted at the site's door over OSDP, also with the
// palm tilted towards the camera (which only the reader's second look
// recovers: with it disabled this presentation is not recognised), and
// then over Wiegand; devcloud lists them with the desk as enrollment source and
// publishes New Successful Enrollment; the console's deletion makes them
// unrecognisable at both readers, which both report it.
func TestEnrolAtTheDeskThenEnterAtTheDoor(t *testing.T) {
	s := newSite(t)
	st, enrolled := s.desk.enrolAt("12:3456", 7, "held-right", 1)
	if st.Enroll != appliance.EnrollComplete {
		t.Fatalf("enrollment ended %+v", st)
	}
	badge := `[{"associatedIdType":"badge","associatedIdValue":"12:3456"}]`
	s.waitFor(t, "the enrollment published", func(evs []map[string]any) bool {
		return count(evs, api.EventEnrolled, func(d map[string]any) bool {
			return d["enrollmentSource"] == s.deskID && d["associatedIds"] == badge && d["userStatus"] == "ACTIVE"
		}) == 1
	})
	var granted appliance.Status
	for seed := 2; seed < 50; seed++ { // until the door has the profile
		if granted = s.presentAtDoor(7, "held-right", seed); granted.Outcome == appliance.OutcomeGranted {
			break
		}
	}
	if granted.Outcome != appliance.OutcomeGranted {
		t.Fatalf("the person enrolled at the desk is not granted at the door: %+v", granted)
	}
	if st := s.presentAtDoor(7, "tilted", 1); st.Outcome != appliance.OutcomeGranted {
		t.Fatalf("the palm tilted towards the camera: %+v", st)
	}
	// An upper bound: presentations before the door has the person take
	// a result's time on the screen each.
	t.Logf("enrollment complete to granted at the door: %v", time.Since(enrolled).Round(100*time.Millisecond))
	if st := s.presentAtDoor(8, "held-right", 1); st.Outcome != appliance.OutcomeNotRecognised {
		t.Fatalf("somebody not enrolled: %+v", st)
	}

	wiegand := api.DefaultConfig()
	wiegand.Version, wiegand.Panel.Protocol, wiegand.Relay.Follow = 2, "wiegand", "grant"
	s.dc.configure(s.doorID, wiegand)
	s.door.waitState("Wiegand", func(st appliance.Status) bool { return st.Protocol == "wiegand" })
	if st := s.presentAtDoor(7, "held-right", 1); st.Outcome != appliance.OutcomeGranted {
		t.Fatalf("over Wiegand: %+v", st)
	}

	users := s.users()
	if len(users) != 1 || users[0].Badge != "12:3456" || users[0].Source != s.deskID {
		t.Fatalf("users %+v", users)
	}
	s.dc.cli(nil, "DELETE", "/manage/users/"+users[0].ID)
	s.waitFor(t, "both readers' un-enrollments", func(evs []map[string]any) bool {
		from := func(inst string) int {
			return count(evs, api.EventUnenrolled, func(d map[string]any) bool { return d["requestSource"] == inst })
		}
		return from(s.deskID) == 1 && from(s.doorID) == 1
	})
	if st := s.presentAtDoor(7, "held-right", 1); st.Outcome != appliance.OutcomeNotRecognised {
		t.Fatalf("a deleted person at the door: %+v", st)
	}
	for _, p := range []*palmd{s.desk, s.door} {
		if strings.Contains(p.logs.String(), "3456") {
			t.Fatal("a badge number reached a log")
		}
	}
}

// declinedBadge finds the declined person's card number in a file
// wherever it stands on its own (as in "12:5555", or as a number), but
// not inside a hex identifier or a nanosecond timestamp, where any four
// digits turn up by chance: the store file holds many of both.
var declinedBadge = regexp.MustCompile(`(^|[^0-9a-fA-F])5555($|[^0-9a-fA-F])`)

// TestDeclinedBadgePattern: the search finds the badge as the reader
// writes it and not the chance digits of identifiers and timestamps.
func TestDeclinedBadgePattern(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{`{"associatedIdValue":"12:5555"}`, true},
		{`{"card":5555}`, true},
		{"5555", true},
		{`"id":"7d02ef5ad6324805555dcb47065bd"`, false},
		{`"time":"2026-12-03T08:55:56.153555517Z"`, false},
		{`"12:55555"`, false},
	} {
		if got := declinedBadge.MatchString(c.text); got != c.want {
			t.Errorf("%s: found %v, want %v", c.text, got, c.want)
		}
	}
}

// TestEnrolmentRefusals: consent declined leaves no trace (nothing
// uploaded, the badge in no event and nowhere in the store file); the
// palm of someone enrolled is refused for another badge, and too many
// poor captures are a failure to enrol, both published with their reason;
// an enrollment made while the service is down arrives once when it is
// back; re-enrolling one's own badge replaces the profile.
func TestEnrolmentRefusals(t *testing.T) {
	s := newSite(t)
	s.desk.toConsent("12:5555")
	s.desk.hand(9, "held-right", 1) // a hand over the reader does not count before consent
	s.desk.touch(appliance.ButtonDecline)
	s.desk.screen(appliance.ScreenEnrollStart)
	s.desk.away()

	if st := s.desk.enrol("12:3456", 7, "held-right", 1); st.Enroll != appliance.EnrollComplete {
		t.Fatalf("enrollment ended %+v", st)
	}
	if st := s.desk.enrol("12:1001", 7, "held-right", 2); st.Screen.Cause != appliance.CauseDuplicate {
		t.Fatalf("person 7's palm for another badge: %+v", st)
	}
	if st := s.desk.enrol("12:2002", 11, "in-the-dark", 1); st.Screen.Cause != appliance.CausePoorCaptures {
		t.Fatalf("a hand in the dark: %+v", st)
	}
	evs := s.waitFor(t, "the refusals published", func(evs []map[string]any) bool {
		return count(evs, api.EventNotEnrolled, any1) == 3 && count(evs, api.EventEnrolled, any1) == 1
	})
	reasons := map[string]string{}
	for _, ev := range evs {
		if ev["detail-type"] == api.EventNotEnrolled {
			d := dataOf(ev)
			reasons[d["associatedIds"].(string)] = d["reason"].(string)
		}
	}
	if r := reasons["[]"]; !strings.Contains(r, "declined") {
		t.Fatalf("the decline: %v", reasons)
	}
	if r := reasons[`[{"associatedIdType":"badge","associatedIdValue":"12:1001"}]`]; !strings.Contains(r, "already enrolled") {
		t.Fatalf("the duplicate: %v", reasons)
	}
	if r := reasons[`[{"associatedIdType":"badge","associatedIdValue":"12:2002"}]`]; !strings.Contains(r, "failure to enrol") {
		t.Fatalf("the failure to enrol: %v", reasons)
	}

	s.dc.stop()
	if st := s.desk.enrol("12:3456", 7, "held-right", 3); st.Enroll != appliance.EnrollComplete {
		t.Fatalf("re-enrolling offline ended %+v", st)
	}
	s.desk.waitState("the desk offline", func(st appliance.Status) bool { return st.Screen.Offline })
	s.dc.start()
	s.waitFor(t, "the offline enrollment", func(evs []map[string]any) bool { return count(evs, api.EventEnrolled, any1) == 2 })
	var active []userRow
	for _, u := range s.users() {
		if u.Status == "ACTIVE" {
			active = append(active, u)
		}
	}
	if len(active) != 1 || active[0].Badge != "12:3456" {
		t.Fatalf("after re-enrolling: %+v", s.users())
	}
	for _, u := range s.users() {
		if u.Badge == "12:5555" {
			t.Fatalf("the person who declined was uploaded: %+v", u)
		}
	}
	s.desk.stop()
	db, err := os.ReadFile(filepath.Join(filepath.Dir(s.deskCfg), "state", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	if declinedBadge.Match(db) {
		t.Fatal("the declined person's badge is in the desk's store file")
	}
	// The templates the pipeline makes of the frames the camera filmed:
	// the declined person's (never made) and the enrolled person's
	// (sealed) are nowhere in the file.
	// That they are the desk's own: the vault, opened, holds the last one.
	sdb, err := store.Open(filepath.Join(filepath.Dir(s.deskCfg), "state"))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := people.Open(sdb)
	if err == nil {
		var pr api.Profile
		if pr, err = dir.Profile(dir.ProfileOf("12:3456")); err == nil && !bytes.Contains(pr.Templates[0], templateBytes(t, 7, 3)) {
			err = fmt.Errorf("the desk's template is not the one recomputed")
		}
	}
	sdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []struct{ person, seed int }{{9, 1}, {7, 1}, {7, 3}} {
		code := templateBytes(t, who.person, who.seed)
		if bytes.Contains(db, code) {
			t.Fatalf("person %d's template bytes are in the desk's store file", who.person)
		}
	}
	if n := count(s.dc.published(), api.EventEnrolled, any1); n != 2 {
		t.Fatalf("%d enrollments published, want 2 (each once)", n)
	}
}

// TestBrowserEnrollment: the guide's enrollment on the desk's page, by
// touch: "Get started", a badge in the wrong format refused with words
// for it, the badge, "Badge scanned", the Terms of Use, the consent, the
// captures of both hands with their progress and the hint to take the
// first hand away, "Enrollment complete", and back to "Get started".
func TestBrowserEnrollment(t *testing.T) {
	dc := startDevcloud(t)
	var st struct{ SiteID string }
	dc.cli(&st, "site", "create", "HQ", "--line1", "1 Main St", "--city", "Springfield", "--country", "US")
	desk := api.DefaultConfig()
	desk.Mode = appliance.ModeEnrollment
	_, code := dc.instanceIn(t, st.SiteID, "Enrollment desk", desk)
	cfg, control := writeConfig(t, dc.serviceSection(""))
	screen := freeAddr(t)
	p := startPalmd(t, cfg, control, "-ui", screen)
	b := openPage(t, "http://"+screen+"/")
	p.activate(code)
	b.reach("enroll-start", "Enroll your palm")
	b.tap("start")
	b.reach("enroll-badge", "Scan your badge")
	p.post("/badge", "application/json", []byte(`{"text":"12:99999"}`))
	p.waitState("the read refused", func(s appliance.Status) bool { return s.Screen.Cause == appliance.CauseBadgeUnreadable })
	if txt := b.text(); !strings.Contains(txt, "could not be read in the site's badge format") {
		t.Fatalf("a badge in the wrong format: %q", txt)
	}
	b.shot("enroll-badge-unreadable")
	// The simulator's page plays the badge and the left hand.
	sim := openPage(t, "http://"+control+"/")
	sim.do(chromedp.EmulateViewport(1600, 1400), chromedp.WaitVisible(chromedp.CSS(`#badge`)))
	if get(sim, chromedp.Evaluate[bool](`document.getElementById("identified").hidden`)) != true {
		t.Fatal("a desk's simulator page offers palms matched to a badge, which a desk ignores")
	}
	simClick := func(action string) { sim.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-do=%q]`, action)))) }
	sim.do(chromedp.SetValue(chromedp.CSS("#badge"), "12:3456"))
	simClick("badge")
	b.reach("enroll-scanned", "Badge scanned")
	b.reach("enroll-terms", "Terms of Use")
	b.tap("ok")
	b.reach("enroll-consent", "Consent – your palm biometric information")
	b.tap("agree")
	b.reach("enroll-capture", "Hold your palm above the reader")
	p.hand(7, "held-right", 1)
	b.reach("enroll-capture", "Take your hand away, then hold up the next one")
	p.away()
	b.reach("enroll-capture", "Hold your palm above the reader")
	sim.do(chromedp.SetValue(chromedp.CSS("#person"), "7"), chromedp.SetValue(chromedp.CSS("#hand"), "left"))
	simClick("hand")
	b.reach("enroll-complete", "Enrollment complete")
	sim.shot("simulator-desk")
	p.away()
	b.reach("enroll-start", "Enroll your palm")
}

// templateBytes is the code of the template the desk makes of person's
// right hand in presentation seed (the simulator's own rendering), without
// the template's header.
func templateBytes(t *testing.T, person, seed int) []byte {
	t.Helper()
	img := synth.NewPerson(uint64(person)).Hands[synth.Right].Capture(presentation(rand.New(rand.NewPCG(uint64(seed), uint64(person)))))
	ext, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	s := enroll.New(enroll.Config{Captures: 1}, ext, nil, "")
	if st, err := s.Add(img); err != nil || !st.Done {
		t.Fatalf("person %d: %+v %v", person, st, err)
	}
	tm := s.Templates()[0]
	b, err := tm.MarshalBinary()
	if err != nil || len(b) < 68 {
		t.Fatalf("template: %d bytes, %v", len(b), err)
	}
	return b[4:68]
}
