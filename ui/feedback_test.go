package ui

import (
	"testing"

	"github.com/palmd/palmd/drivers/lightring"
	"github.com/palmd/palmd/drivers/speaker"
	"github.com/palmd/palmd/firmware/appliance"
)

type ringRec []lightring.Pattern

func (r *ringRec) Show(p lightring.Pattern) { *r = append(*r, p) }

type playerRec []speaker.Sound

func (p *playerRec) Play(s speaker.Sound) { *p = append(*p, s) }

// TestFeedback: every light the lifecycle asks for has a pattern and
// every sound has tones, short enough not to hold up the next person.
func TestFeedback(t *testing.T) {
	var ring ringRec
	lights := Lights{Ring: &ring}
	for _, l := range []appliance.Light{appliance.LightIdle, appliance.LightHand, appliance.LightScanning,
		appliance.LightGranted, appliance.LightDenied, appliance.LightError, appliance.LightTamper} {
		lights.Show(l)
		if p := ring[len(ring)-1]; p.Name != string(l) || p.Color.A == 0 || p.Motion == "" {
			t.Errorf("light %s: pattern %+v", l, p)
		}
	}
	var player playerRec
	spk := Speaker{Player: &player}
	for _, s := range []appliance.Sound{appliance.SoundGranted, appliance.SoundDenied, appliance.SoundError, appliance.SoundAlarm} {
		spk.Play(s)
		if got := player[len(player)-1]; got.Name != string(s) || got.Duration() == 0 || got.Duration().Seconds() > 1 {
			t.Errorf("sound %s: %+v", s, got)
		}
	}
}
