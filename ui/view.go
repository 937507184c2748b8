package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/firmware/appliance"
)

// View is a screen as the page draws it: every text already in the
// screen's language, every button with what a touch on it posts.
type View struct {
	Seq      int64         `json:"seq"`          // counts the screens shown since palmd started
	At       float64       `json:"at,omitempty"` // when palmd put the screen up, Unix ms (for the latency figures)
	Screen   string        `json:"screen"`
	Lang     string        `json:"lang"`
	Tone     string        `json:"tone"`    // neutral, busy, good, bad, alert: the colours
	Picture  string        `json:"picture"` // the drawing above the title
	Title    string        `json:"title"`
	Body     string        `json:"body,omitempty"`
	Detail   string        `json:"detail,omitempty"` // the failing part's own words, for the installer
	Labels   Labels        `json:"labels"`
	Hint     palm.Hint     `json:"hint,omitempty"` // the guidance the picture shows
	Hints    []string      `json:"hints,omitempty"`
	Tap      *Button       `json:"tap,omitempty"` // the whole screen is this button
	Buttons  []Button      `json:"buttons,omitempty"`
	Networks []NetworkItem `json:"networks,omitempty"`
	Keyboard *Button       `json:"keyboard,omitempty"` // the on-screen keyboard and the button that sends what was typed
	Hands    []HandBar     `json:"hands,omitempty"`
	Banner   string        `json:"banner,omitempty"`
}

// Button is a touch target and what a touch on it posts.
type Button struct {
	ID      string `json:"id"`
	Value   string `json:"value,omitempty"`
	Label   string `json:"label"`
	Primary bool   `json:"primary,omitempty"`
}

// NetworkItem is a row of the Wi-Fi list.
type NetworkItem struct {
	SSID    string `json:"ssid"`
	Signal  int    `json:"signal"`
	Secured bool   `json:"secured"`
	Kind    string `json:"kind"` // "Secured" or "Open", in the screen's language
}

// HandBar is one hand's capture progress.
type HandBar struct {
	Label  string `json:"label"`
	Done   int    `json:"done"`
	Needed int    `json:"needed"`
}

// Labels are the words of the page's own controls (the keyboard, the
// detail line) in the screen's language.
type Labels map[string]string

// pageLabels are the catalogue keys the page's controls use.
var pageLabels = []string{"keyboard.shift", "keyboard.symbols", "keyboard.letters", "keyboard.space",
	"keyboard.delete", "keyboard.show", "keyboard.hide", "detail", "preview"}

// spec is how a screen is drawn.
type spec struct {
	tone, picture string
	tap           string   // a button the whole screen stands for
	buttons       []string // in order; the first is the primary one
	noBody        bool     // the body comes from the cause, the SSID or the hints
	keyboard      bool
}

var specs = map[string]spec{
	appliance.ScreenSetup:         {tone: "neutral", picture: "tap", tap: appliance.ButtonStart},
	appliance.ScreenChooseNetwork: {tone: "neutral", picture: "network", buttons: []string{appliance.ButtonEthernet, appliance.ButtonWiFi, appliance.ButtonBack}},
	appliance.ScreenWiFiScanning:  {tone: "busy", picture: "spinner"},
	appliance.ScreenWiFiList:      {tone: "neutral", picture: "wifi", buttons: []string{appliance.ButtonRescan, appliance.ButtonBack}},
	appliance.ScreenWiFiPassword:  {tone: "neutral", picture: "none", buttons: []string{appliance.ButtonBack}, keyboard: true},
	appliance.ScreenConnecting:    {tone: "busy", picture: "spinner", noBody: true},
	appliance.ScreenNotConnected:  {tone: "bad", picture: "cross", buttons: []string{appliance.ButtonRetry, appliance.ButtonBack}, noBody: true},
	appliance.ScreenConnected:     {tone: "good", picture: "check", buttons: []string{appliance.ButtonOK}},
	appliance.ScreenScanCode:      {tone: "neutral", picture: "qr"},
	appliance.ScreenCodeRefused:   {tone: "bad", picture: "qr", noBody: true},
	appliance.ScreenActivating:    {tone: "busy", picture: "spinner"},
	appliance.ScreenActivated:     {tone: "good", picture: "check"},
	appliance.ScreenNoConfig:      {tone: "alert", picture: "config"},
	appliance.ScreenIdle:          {tone: "neutral", picture: "palm"},
	appliance.ScreenGuidance:      {tone: "neutral", picture: "palm", noBody: true},
	appliance.ScreenChecking:      {tone: "busy", picture: "spinner"},
	appliance.ScreenGranted:       {tone: "good", picture: "check"},
	appliance.ScreenDenied:        {tone: "bad", picture: "cross"},
	appliance.ScreenNotRecognised: {tone: "bad", picture: "cross"},
	appliance.ScreenNoAnswer:      {tone: "alert", picture: "door"},
	appliance.ScreenNotSent:       {tone: "alert", picture: "door"},
	appliance.ScreenTamper:        {tone: "alert", picture: "alarm"},
	appliance.ScreenUpdating:      {tone: "busy", picture: "spinner"},
	appliance.ScreenDeactivated:   {tone: "neutral", picture: "tap", tap: appliance.ButtonStart},
	appliance.ScreenCameraFault:   {tone: "alert", picture: "camera"},

	appliance.ScreenEnrollStart:    {tone: "neutral", picture: "palm", buttons: []string{appliance.ButtonStart}},
	appliance.ScreenEnrollBadge:    {tone: "neutral", picture: "badge"},
	appliance.ScreenEnrollScanned:  {tone: "good", picture: "badge"},
	appliance.ScreenEnrollTerms:    {tone: "neutral", picture: "document", buttons: []string{appliance.ButtonOK}},
	appliance.ScreenEnrollConsent:  {tone: "neutral", picture: "document", buttons: []string{appliance.ButtonAgree, appliance.ButtonDecline}},
	appliance.ScreenEnrollCapture:  {tone: "neutral", picture: "palm"},
	appliance.ScreenEnrollComplete: {tone: "good", picture: "check"},
	appliance.ScreenEnrollFailed:   {tone: "bad", picture: "cross"},
}

// Screens are the names of every screen the page can draw.
func Screens() []string {
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// texts looks keys up in one language and remembers the first one
// missing, so that Build fails rather than show a hole or English.
type texts struct {
	c       *Catalog
	lang    string
	missing string
}

func (t *texts) get(key string, args ...string) string {
	s, ok := t.c.Text(t.lang, key, args...)
	if !ok && t.missing == "" {
		t.missing = key
	}
	return s
}

// Build turns a screen into what the page draws. It fails for a screen
// it does not know and for a text the catalogue lacks.
func Build(c *Catalog, sc appliance.Screen) (View, error) {
	sp, ok := specs[sc.Name]
	if !ok {
		return View{}, fmt.Errorf("ui: no screen %q", sc.Name)
	}
	if !c.Has(sc.Language) {
		return View{}, fmt.Errorf("ui: no catalogue for language %q", sc.Language)
	}
	t := &texts{c: c, lang: sc.Language}
	v := View{Screen: sc.Name, Lang: sc.Language, Tone: sp.tone, Picture: sp.picture, Detail: sc.Reason, Labels: Labels{}}
	v.Title = t.get(sc.Name+".title", "ssid", sc.SSID)
	if !sp.noBody {
		v.Body = t.get(sc.Name+".body", "ssid", sc.SSID)
	}
	for _, k := range pageLabels {
		v.Labels[k] = t.get(k)
	}
	if sp.tap != "" {
		v.Tap = &Button{ID: sp.tap, Label: v.Title}
	}
	for i, id := range sp.buttons {
		v.Buttons = append(v.Buttons, Button{ID: id, Label: t.get("button." + id), Primary: i == 0 && id != appliance.ButtonBack})
	}
	if sp.keyboard {
		v.Keyboard = &Button{ID: appliance.ButtonJoin, Label: t.get("button." + appliance.ButtonJoin), Primary: true}
	}
	fill(&v, t, sc)
	if t.missing != "" {
		return View{}, fmt.Errorf("ui: %s: no text %q in %s", sc.Name, t.missing, sc.Language)
	}
	return v, nil
}

// fill adds what a screen shows beyond its own title and body.
func fill(v *View, t *texts, sc appliance.Screen) {
	if sc.Cause != "" {
		v.Body = t.get("cause." + sc.Cause)
	}
	switch sc.Name {
	case appliance.ScreenConnecting:
		if sc.SSID != "" {
			v.Body = t.get("connecting.body.wifi", "ssid", sc.SSID)
		} else {
			v.Body = t.get("connecting.body.ethernet")
		}
	case appliance.ScreenWiFiList:
		for _, n := range sc.Networks {
			kind := t.get("wifi.open")
			if n.Secured {
				kind = t.get("wifi.secured")
			}
			v.Networks = append(v.Networks, NetworkItem{SSID: n.SSID, Signal: n.Signal, Secured: n.Secured, Kind: kind})
		}
		if len(sc.Networks) == 0 {
			v.Body = t.get("wifi-list.empty")
		}
	case appliance.ScreenGuidance, appliance.ScreenEnrollCapture:
		guidance(v, t, sc)
	}
	if sc.Offline {
		v.Banner = t.get("banner.offline")
	}
}

// guidance puts the hints into words, the first as the title, and the
// capture progress of each hand.
func guidance(v *View, t *texts, sc appliance.Screen) {
	for _, h := range sc.Hints {
		v.Hints = append(v.Hints, t.get("hint."+string(h)))
	}
	if len(sc.Hints) > 0 {
		v.Hint = sc.Hints[0]
		v.Title, v.Hints = v.Hints[0], v.Hints[1:]
	}
	for _, h := range sc.Hands {
		v.Hands = append(v.Hands, HandBar{Label: t.get("hand." + strings.ToLower(h.Hand)), Done: h.Done, Needed: h.Needed})
	}
}
