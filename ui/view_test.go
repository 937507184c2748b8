package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/firmware/appliance"
	"github.com/palmd/palmd/firmware/vision"
)

// every screen the appliance names (the lifecycle's and enrollment's).
var appliances = []string{
	appliance.ScreenSetup, appliance.ScreenScanCode, appliance.ScreenCodeRefused, appliance.ScreenActivating,
	appliance.ScreenActivated, appliance.ScreenNoConfig, appliance.ScreenIdle, appliance.ScreenGuidance,
	appliance.ScreenChecking, appliance.ScreenGranted, appliance.ScreenDenied, appliance.ScreenNoAnswer,
	appliance.ScreenNotRecognised, appliance.ScreenNotSent, appliance.ScreenTamper, appliance.ScreenUpdating,
	appliance.ScreenDeactivated, appliance.ScreenCameraFault, appliance.ScreenChooseNetwork, appliance.ScreenWiFiScanning,
	appliance.ScreenWiFiList, appliance.ScreenWiFiPassword, appliance.ScreenConnecting, appliance.ScreenNotConnected,
	appliance.ScreenConnected, appliance.ScreenEnrollStart, appliance.ScreenEnrollBadge, appliance.ScreenEnrollScanned,
	appliance.ScreenEnrollTerms, appliance.ScreenEnrollConsent, appliance.ScreenEnrollCapture, appliance.ScreenEnrollComplete,
	appliance.ScreenEnrollFailed,
}

func catalog(t testing.TB) *Catalog {
	t.Helper()
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEveryScreenInEveryLanguage: each screen builds in each language,
// with a title and no English left in another language's title.
func TestEveryScreenInEveryLanguage(t *testing.T) {
	c := catalog(t)
	if got, want := len(Screens()), len(appliances); got != want {
		t.Fatalf("the page draws %d screens, the appliance names %d", got, want)
	}
	for _, name := range appliances {
		en, err := Build(c, Sample(name, "en"))
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range Languages {
			v, err := Build(c, Sample(name, lang))
			if err != nil {
				t.Fatal(err)
			}
			if v.Title == "" || v.Lang != lang || v.Screen != name {
				t.Errorf("%s/%s: %+v", name, lang, v)
			}
			if lang != "en" && v.Title == en.Title && name != appliance.ScreenWiFiPassword {
				t.Errorf("%s/%s: title %q is the English one", name, lang, v.Title)
			}
		}
	}
}

// TestEveryHintInEveryLanguage: every hint the palm pipeline gives has
// words on the guidance screen, in every language.
func TestEveryHintInEveryLanguage(t *testing.T) {
	c := catalog(t)
	for _, h := range palm.Hints {
		for _, lang := range Languages {
			v, err := Build(c, appliance.Screen{Name: appliance.ScreenGuidance, Language: lang, Hints: []palm.Hint{h}})
			if err != nil || v.Title == "" {
				t.Errorf("hint %s in %s: %v", h, lang, err)
			}
		}
	}
}

// TestCauseCatalogue: every cause the lifecycle gives has words.
func TestCauseCatalogue(t *testing.T) {
	c := catalog(t)
	for _, cause := range []string{appliance.CauseScanFailed, appliance.CauseNoCable, appliance.CauseNotInRange,
		appliance.CauseWrongPassphrase, appliance.CauseNotConnected, appliance.CauseTimeout, appliance.CauseCodeGarbled,
		appliance.CauseCodeForged, appliance.CauseCodeExpired, appliance.CauseCodeUsed, appliance.CauseCodeUnknown,
		appliance.CauseOtherService, appliance.CauseServiceDown, appliance.CauseCodeUnreadable, appliance.CauseBadgeUnreadable, appliance.CauseDuplicate,
		appliance.CausePoorCaptures, appliance.CauseNotStored} {
		for _, lang := range Languages {
			v, err := Build(c, appliance.Screen{Name: appliance.ScreenCodeRefused, Language: lang, Cause: cause})
			if err != nil || v.Body == "" {
				t.Errorf("%s/%s: %q %v", cause, lang, v.Body, err)
			}
		}
	}
}

func TestViews(t *testing.T) {
	c := catalog(t)
	build := func(sc appliance.Screen) View {
		t.Helper()
		v, err := Build(c, sc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := build(appliance.Screen{Name: appliance.ScreenWiFiList, Language: "fr",
		Networks: []network.Network{{SSID: "Bureau", Signal: 70, Secured: true}, {SSID: "Invités", Signal: 30}}})
	if len(v.Networks) != 2 || v.Networks[0].Kind != "Sécurisé" || v.Networks[1].Kind != "Ouvert" || v.Buttons[0].ID != appliance.ButtonRescan {
		t.Fatalf("wifi list %+v", v)
	}
	v = build(appliance.Screen{Name: appliance.ScreenWiFiList, Language: "en"})
	if v.Body != "No Wi-Fi networks found." {
		t.Fatalf("empty list body %q", v.Body)
	}
	v = build(appliance.Screen{Name: appliance.ScreenWiFiPassword, Language: "en", SSID: "Office"})
	if v.Title != "Password for Office" || v.Keyboard == nil || v.Keyboard.ID != appliance.ButtonJoin || v.Labels["keyboard.shift"] != "Shift" {
		t.Fatalf("password %+v", v)
	}
	v = build(appliance.Screen{Name: appliance.ScreenConnecting, Language: "de"})
	if v.Body != "Verbinden über Ethernet." {
		t.Fatalf("connecting over Ethernet %q", v.Body)
	}
	v = build(appliance.Screen{Name: appliance.ScreenNotConnected, Language: "es", Cause: appliance.CauseNoCable, Reason: "network: no cable"})
	if v.Body != "No hay ningún cable Ethernet conectado." || v.Detail != "network: no cable" || !v.Buttons[0].Primary {
		t.Fatalf("not connected %+v", v)
	}
	v = build(appliance.Screen{Name: appliance.ScreenGuidance, Language: "it", Hints: []palm.Hint{palm.HintTooFar, palm.HintMoving}})
	if v.Title != "Avvicina la mano" || !slices.Equal(v.Hints, []string{"Resta fermo"}) || v.Hint != palm.HintTooFar {
		t.Fatalf("guidance %+v", v)
	}
	v = build(appliance.Screen{Name: appliance.ScreenSetup, Language: "ja"})
	if v.Tap == nil || v.Tap.ID != appliance.ButtonStart || v.Title != "タップして開始" {
		t.Fatalf("setup %+v", v)
	}
	v = build(appliance.Screen{Name: appliance.ScreenIdle, Language: "nl", Offline: true})
	if !strings.Contains(v.Banner, "Geen verbinding") {
		t.Fatalf("offline banner %q", v.Banner)
	}
	v = build(Sample(appliance.ScreenEnrollCapture, "pt"))
	if len(v.Hands) != 2 || v.Hands[0].Label != "Mão direita" || v.Hands[0].Done != 3 {
		t.Fatalf("capture %+v", v.Hands)
	}
}

func TestBuildRefuses(t *testing.T) {
	c := catalog(t)
	if _, err := Build(c, appliance.Screen{Name: "no-such-screen", Language: "en"}); err == nil {
		t.Fatal("an unknown screen built")
	}
	if _, err := Build(c, appliance.Screen{Name: appliance.ScreenIdle, Language: "tlh"}); err == nil {
		t.Fatal("a language without a catalogue built")
	}
	delete(c.texts["de"], "access-denied.body")
	if _, err := Build(c, appliance.Screen{Name: appliance.ScreenDenied, Language: "de"}); err == nil || !strings.Contains(err.Error(), "access-denied.body") {
		t.Fatalf("a missing text: %v", err)
	}
}

// TestTakeAwayHint: the enrollment's own hint has words in every language.
func TestTakeAwayHint(t *testing.T) {
	c := catalog(t)
	for _, lang := range Languages {
		v, err := Build(c, appliance.Screen{Name: appliance.ScreenEnrollCapture, Language: lang, Hints: []palm.Hint{vision.HintTakeAway}})
		if err != nil || v.Title == "" || v.Hint != vision.HintTakeAway {
			t.Errorf("%s: %+v %v", lang, v, err)
		}
	}
}
