package appliance

// The first boot of the guide: tap to start, Ethernet or Wi-Fi, the
// networks in range, a passphrase, joining, then the activation code.

import (
	"errors"
	"slices"
	"time"

	"github.com/palmd/palmd/drivers/network"
)

// touched moves the first boot on: tap to start, choose the network, pick
// a Wi-Fi network and type its passphrase, acknowledge the connection.
// A reader without an uplink port (its network is set up by the board's
// image) goes from the tap straight to the activation code.
func touched(s State, ev Touched, now time.Time) (State, []Effect) {
	if s.Phase != PhaseSetup && s.Phase != PhaseDeactivated {
		return s, nil
	}
	st := s.Setup
	switch {
	case ev.Button == ButtonStart && st.Step == SetupWelcome && !s.caps.Uplink:
		return toScanning(s), nil
	case ev.Button == ButtonStart && st.Step == SetupWelcome:
		s.Setup = Setup{Step: SetupChoose}
	case ev.Button == ButtonEthernet && st.Step == SetupChoose:
		return join(s, nil, now)
	case ev.Button == ButtonWiFi && st.Step == SetupChoose,
		ev.Button == ButtonRescan && st.Step == SetupWiFiList,
		ev.Button == ButtonRetry && st.Step == SetupFailed && st.WiFi:
		s.Setup = Setup{Step: SetupScanning, WiFi: true, Until: now.Add(scanTimeout)}
		return s, []Effect{ScanWiFi{}}
	case ev.Button == ButtonRetry && st.Step == SetupFailed:
		return join(s, nil, now)
	case ev.Button == ButtonNetwork && st.Step == SetupWiFiList:
		return pickNetwork(s, ev.Value, now)
	case ev.Button == ButtonJoin && st.Step == SetupPassword:
		return join(s, &network.WiFi{SSID: st.SSID, Passphrase: ev.Value}, now)
	case ev.Button == ButtonBack:
		s.Setup = back(st)
	case ev.Button == ButtonOK && st.Step == SetupConnected:
		return toScanning(s), nil
	}
	return s, nil
}

func toScanning(s State) State {
	s.Phase, s.Setup = PhaseScanning, Setup{}
	return s
}

// pickNetwork joins an open network at once and asks for the passphrase
// of a secured one.
func pickNetwork(s State, ssid string, now time.Time) (State, []Effect) {
	i := slices.IndexFunc(s.Setup.Networks, func(n network.Network) bool { return n.SSID == ssid })
	if i < 0 {
		return s, nil // a list the page showed before a rescan
	}
	if !s.Setup.Networks[i].Secured {
		return join(s, &network.WiFi{SSID: ssid}, now)
	}
	s.Setup.Step, s.Setup.SSID, s.Setup.Reason, s.Setup.Cause = SetupPassword, ssid, "", ""
	return s, nil
}

// join starts connecting; the list stays for a way back.
func join(s State, w *network.WiFi, now time.Time) (State, []Effect) {
	s.Setup.Step, s.Setup.WiFi, s.Setup.Reason, s.Setup.Cause = SetupConnecting, w != nil, "", ""
	s.Setup.SSID = ""
	if w != nil {
		s.Setup.SSID = w.SSID
	}
	s.Setup.Until = now.Add(joinTimeout)
	return s, []Effect{Join{WiFi: w}}
}

// back is the first-boot step before st.
func back(st Setup) Setup {
	switch st.Step {
	case SetupPassword:
		st.Step, st.SSID = SetupWiFiList, ""
		return st
	case SetupWiFiList, SetupFailed, SetupConnected:
		return Setup{Step: SetupChoose}
	case SetupChoose:
		return Setup{}
	}
	return st // a scan or a join runs: it ends by itself
}

func scanned(s State, ev WiFiScanned) State {
	if !inSetup(s, SetupScanning) {
		return s
	}
	if ev.Err != nil {
		s.Setup = Setup{Step: SetupFailed, WiFi: true, Reason: ev.Err.Error(), Cause: CauseScanFailed}
		return s
	}
	s.Setup = Setup{Step: SetupWiFiList, WiFi: true, Networks: ev.Networks}
	return s
}

func joined(s State, ev Joined) (State, []Effect) {
	if !inSetup(s, SetupConnecting) {
		return s, nil // a join that ended after its deadline
	}
	s.Setup.Until = time.Time{}
	if ev.Err != nil {
		s.Setup.Step, s.Setup.Reason, s.Setup.Cause = SetupFailed, ev.Err.Error(), joinCause(ev.Err)
		return s, []Effect{Play{Sound: SoundError}}
	}
	s.Setup.Step = SetupConnected
	return s, nil
}

func inSetup(s State, step SetupStep) bool {
	return (s.Phase == PhaseSetup || s.Phase == PhaseDeactivated) && s.Setup.Step == step
}

// Causes: why something failed, in terms the screen has words for. The
// Reason beside one is the failing part's own message, for the installer.
const (
	CauseScanFailed      = "scan-failed"
	CauseNoCable         = "no-cable"
	CauseNotInRange      = "not-in-range"
	CauseWrongPassphrase = "wrong-passphrase"
	CauseNotConnected    = "not-connected"
	CauseTimeout         = "timeout"
	CauseCodeUnreadable  = "code-unreadable" // a code in view the camera cannot read
	CauseCodeGarbled     = "code-garbled"
	CauseCodeForged      = "code-forged"
	CauseCodeExpired     = "code-expired"
	CauseCodeUsed        = "code-used"
	CauseCodeUnknown     = "code-unknown"
	CauseOtherService    = "code-other-service"
	CauseServiceDown     = "service-unreachable"
)

func joinCause(err error) string {
	switch {
	case errors.Is(err, network.ErrNoCable):
		return CauseNoCable
	case errors.Is(err, network.ErrNotInRange):
		return CauseNotInRange
	case errors.Is(err, network.ErrRefused):
		return CauseWrongPassphrase
	}
	return CauseNotConnected
}
