package speaker

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
)

// ALSA plays sounds on an ALSA device with aplay (alsa-utils), one at a
// time: a sound asked for while another plays replaces any waiting one,
// so a burst of outcomes never queues up seconds of beeps.
type ALSA struct {
	Device string // e.g. "default" or "plughw:0,0"
	Log    *slog.Logger
	// Command runs the player with the WAV on its input; default aplay.
	Command func(ctx context.Context, wav []byte, args ...string) error
	next    chan Sound
}

// NewALSA makes a player for device.
func NewALSA(device string, log *slog.Logger) *ALSA {
	return &ALSA{Device: device, Log: log, Command: aplay, next: make(chan Sound, 1)}
}

// Play asks for s and returns at once.
func (a *ALSA) Play(s Sound) {
	for {
		select {
		case a.next <- s:
			return
		default:
		}
		select {
		case <-a.next: // drop the waiting one: the newer outcome wins
		default:
		}
	}
}

// Run plays what Play asks for until ctx ends.
func (a *ALSA) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-a.next:
			if err := a.Command(ctx, WAV(s), "-q", "-D", a.Device, "-t", "wav", "-"); err != nil && ctx.Err() == nil {
				a.Log.Warn("speaker", "sound", s.Name, "err", err)
			}
		}
	}
}

func aplay(ctx context.Context, wav []byte, args ...string) error {
	cmd := exec.CommandContext(ctx, "aplay", args...)
	cmd.Stdin = bytes.NewReader(wav)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("speaker: aplay: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
