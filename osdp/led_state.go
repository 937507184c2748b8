package osdp

import "time"

// tick is the unit of LED on/off times and timers.
const tick = 100 * time.Millisecond

// LEDState follows one reader LED as a panel drives it with osdp_LED: a
// permanent pattern and, over it, a temporary pattern that runs for its
// timer (the panel's grant or deny flash) and then gives way. Patterns
// alternate OnColor for OnTime and OffColor for OffTime; with either time
// zero the LED shows the other colour steadily. The zero value is an LED
// that is off.
type LEDState struct {
	perm      LEDPermanent
	permSince time.Time
	temp      LEDTemporary
	tempSince time.Time
	tempUntil time.Time
}

// Apply takes one record addressed to this LED, received at now.
func (s *LEDState) Apply(r LEDRecord, now time.Time) {
	switch r.Temp.Control {
	case LEDTempCancel:
		s.tempUntil = time.Time{}
	case LEDTempSet:
		s.temp, s.tempSince = r.Temp, now
		s.tempUntil = now.Add(time.Duration(r.Temp.Timer) * tick)
	}
	if r.Perm.Control == LEDPermSet {
		s.perm, s.permSince = r.Perm, now
	}
}

// Temporary reports whether a temporary pattern is showing at now.
func (s *LEDState) Temporary(now time.Time) bool { return now.Before(s.tempUntil) }

// Color returns the colour the LED shows at now.
func (s *LEDState) Color(now time.Time) byte {
	if s.Temporary(now) {
		return patternColor(s.temp.OnColor, s.temp.OffColor, s.temp.OnTime, s.temp.OffTime, now.Sub(s.tempSince))
	}
	return patternColor(s.perm.OnColor, s.perm.OffColor, s.perm.OnTime, s.perm.OffTime, now.Sub(s.permSince))
}

// TemporaryColor returns the temporary pattern's on colour while it runs:
// panels signal grant and deny with it.
func (s *LEDState) TemporaryColor(now time.Time) (byte, bool) {
	if !s.Temporary(now) {
		return 0, false
	}
	if s.temp.OnTime == 0 {
		return s.temp.OffColor, true
	}
	return s.temp.OnColor, true
}

func patternColor(on, off, onTime, offTime byte, elapsed time.Duration) byte {
	switch {
	case offTime == 0:
		return on
	case onTime == 0:
		return off
	}
	period := time.Duration(onTime+offTime) * tick
	if elapsed%period < time.Duration(onTime)*tick {
		return on
	}
	return off
}
