package ui

import (
	"image/color"
	"time"

	"github.com/palmd/palmd/drivers/lightring"
	"github.com/palmd/palmd/drivers/speaker"
	"github.com/palmd/palmd/firmware/appliance"
)

// Patterns are the light ring's pattern for each light the lifecycle
// asks for: calm blue while idle, white when a hand is seen, a spinning
// arc while busy, green and red for the outcomes, amber for what needs a
// person, fast red for tamper.
var Patterns = map[appliance.Light]lightring.Pattern{
	appliance.LightIdle:     {Name: "idle", Color: color.RGBA{R: 20, G: 60, B: 160, A: 255}, Motion: lightring.Breathe, Period: 4 * time.Second},
	appliance.LightHand:     {Name: "hand", Color: color.RGBA{R: 200, G: 200, B: 200, A: 255}, Motion: lightring.Solid},
	appliance.LightScanning: {Name: "scanning", Color: color.RGBA{R: 60, G: 140, B: 255, A: 255}, Motion: lightring.Spin, Period: time.Second},
	appliance.LightGranted:  {Name: "granted", Color: color.RGBA{G: 220, B: 60, A: 255}, Motion: lightring.Solid},
	appliance.LightDenied:   {Name: "denied", Color: color.RGBA{R: 230, G: 20, B: 20, A: 255}, Motion: lightring.Solid},
	appliance.LightError:    {Name: "error", Color: color.RGBA{R: 255, G: 150, A: 255}, Motion: lightring.Blink, Period: time.Second},
	appliance.LightTamper:   {Name: "tamper", Color: color.RGBA{R: 255, A: 255}, Motion: lightring.Blink, Period: 300 * time.Millisecond},
}

// Sounds are the speaker's sound for each outcome: a rising pair for a
// grant, a low double note for a refusal, three flat notes for an error,
// a two-tone siren burst for an alarm. None lasts over a second.
var Sounds = map[appliance.Sound]speaker.Sound{
	appliance.SoundGranted: {Name: "granted", Tones: []speaker.Tone{{Hz: 880, For: 90 * time.Millisecond}, {Hz: 1320, For: 140 * time.Millisecond}}},
	appliance.SoundDenied:  {Name: "denied", Tones: []speaker.Tone{{Hz: 330, For: 160 * time.Millisecond}, {For: 60 * time.Millisecond}, {Hz: 330, For: 220 * time.Millisecond}}},
	appliance.SoundError: {Name: "error", Tones: []speaker.Tone{{Hz: 520, For: 100 * time.Millisecond}, {For: 50 * time.Millisecond},
		{Hz: 520, For: 100 * time.Millisecond}, {For: 50 * time.Millisecond}, {Hz: 520, For: 100 * time.Millisecond}}},
	appliance.SoundAlarm: {Name: "alarm", Tones: []speaker.Tone{{Hz: 1400, For: 200 * time.Millisecond}, {Hz: 950, For: 200 * time.Millisecond},
		{Hz: 1400, For: 200 * time.Millisecond}, {Hz: 950, For: 200 * time.Millisecond}}},
}

// Ring is what draws patterns: lightring.Ring, or ringsim's.
type Ring interface{ Show(lightring.Pattern) }

// Player is what plays sounds: speaker.ALSA, or speakersim's.
type Player interface{ Play(speaker.Sound) }

// Lights is the appliance's light ring port over a ring.
type Lights struct{ Ring Ring }

// Show draws light's pattern.
func (l Lights) Show(light appliance.Light) { l.Ring.Show(Patterns[light]) }

// Speaker is the appliance's speaker port over a player.
type Speaker struct{ Player Player }

// Play plays sound's tones.
func (s Speaker) Play(sound appliance.Sound) { s.Player.Play(Sounds[sound]) }

var (
	_ appliance.Lights  = Lights{}
	_ appliance.Speaker = Speaker{}
)
