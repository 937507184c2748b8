package ui

import (
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/firmware/appliance"
)

// Sample is a screen with typical contents, for the simulator's preview
// of any screen and for tests that draw every screen.
func Sample(name, lang string) appliance.Screen {
	sc := appliance.Screen{Name: name, Language: lang}
	switch name {
	case appliance.ScreenWiFiList:
		sc.Networks = []network.Network{{SSID: "Headquarters", Signal: 82, Secured: true}, {SSID: "Visitors", Signal: 64}}
	case appliance.ScreenWiFiPassword, appliance.ScreenConnecting:
		sc.SSID = "Headquarters"
	case appliance.ScreenNotConnected:
		sc.Cause, sc.Reason = appliance.CauseWrongPassphrase, "network: the Wi-Fi network refused the passphrase"
	case appliance.ScreenCodeRefused:
		sc.Cause, sc.Reason = appliance.CauseCodeExpired, "activation: the code has expired; create a new one"
	case appliance.ScreenGuidance:
		sc.Hints = []palm.Hint{palm.HintTooFar, palm.HintFingersClosed}
	case appliance.ScreenEnrollCapture:
		sc.Hints = []palm.Hint{palm.HintMoving}
		sc.Hands = []appliance.HandProgress{{Hand: "right", Done: 3, Needed: 5}, {Hand: "left", Needed: 5}}
	case appliance.ScreenEnrollFailed:
		sc.Cause, sc.Reason = appliance.CauseDuplicate, "the palm is already enrolled to another badge"
	case appliance.ScreenIdle:
		sc.Offline = true
	}
	return sc
}
