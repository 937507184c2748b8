// Package speaker plays the reader's short sounds: each is a few tones,
// generated here as 16-bit PCM (no sound files to ship) and played through
// ALSA on the device. It knows nothing of the appliance; which sound an
// outcome plays is decided elsewhere. The simulator (speakersim) records
// what it is asked to play.
package speaker

import (
	"bytes"
	"encoding/binary"
	"math"
	"time"
)

// Tone is a pitch held for a time; a zero Hz is a rest.
type Tone struct {
	Hz  float64       `json:"hz"`
	For time.Duration `json:"for"`
}

// Sound is a named sequence of tones.
type Sound struct {
	Name  string `json:"name"`
	Tones []Tone `json:"tones"`
}

// Duration is how long s plays.
func (s Sound) Duration() time.Duration {
	var d time.Duration
	for _, t := range s.Tones {
		d += t.For
	}
	return d
}

// Rate is the sample rate: every ALSA device takes it, and it holds
// the tones' harmonics.
const Rate = 22050

// fade is each tone's attack and release: without it a tone starts and
// ends with a click.
const fade = 5 * time.Millisecond

// PCM renders s as mono signed 16-bit samples at Rate, at 60 % of full
// scale so a small speaker does not distort.
func PCM(s Sound) []int16 {
	var out []int16
	for _, t := range s.Tones {
		n := int(t.For.Seconds() * Rate)
		nf := int(fade.Seconds() * Rate)
		for i := range n {
			if t.Hz == 0 {
				out = append(out, 0)
				continue
			}
			env := math.Min(1, math.Min(float64(i)/float64(nf), float64(n-1-i)/float64(nf)))
			v := 0.6 * env * math.Sin(2*math.Pi*t.Hz*float64(i)/Rate)
			out = append(out, int16(v*math.MaxInt16))
		}
	}
	return out
}

// WAV is s as a RIFF/WAVE file, which aplay reads from its input.
func WAV(s Sound) []byte {
	pcm := PCM(s)
	var b bytes.Buffer
	size := uint32(2 * len(pcm))
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, 36+size)
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, struct {
		Size                    uint32
		Format, Channels        uint16
		Rate, ByteRate          uint32
		BlockAlign, SampleWidth uint16
	}{16, 1, 1, Rate, 2 * Rate, 2, 16}) // PCM, mono, 16-bit
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, size)
	binary.Write(&b, binary.LittleEndian, pcm)
	return b.Bytes()
}
