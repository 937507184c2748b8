package osdp

import (
	"testing"
	"time"
)

func TestLEDState(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	var s LEDState
	// Permanent: steady red.
	s.Apply(LEDRecord{Perm: LEDPermanent{Control: LEDPermSet, OnTime: 1, OnColor: ColorRed}}, t0)
	if s.Color(at(499)) != ColorRed || s.Temporary(at(499)) {
		t.Fatal("permanent red not shown")
	}
	// Temporary: green 200 ms / off 100 ms for 1 s.
	s.Apply(LEDRecord{Temp: LEDTemporary{Control: LEDTempSet, OnTime: 2, OffTime: 1, OnColor: ColorGreen, OffColor: ColorBlack, Timer: 10}}, at(500))
	for _, tc := range []struct {
		ms   int
		want byte
		temp bool
	}{
		{500, ColorGreen, true},
		{699, ColorGreen, true},
		{700, ColorBlack, true},
		{800, ColorGreen, true},
		{1499, ColorGreen, true},
		{1500, ColorRed, false}, // timer ran out: back to permanent
	} {
		if got := s.Color(at(tc.ms)); got != tc.want || s.Temporary(at(tc.ms)) != tc.temp {
			t.Errorf("at %d ms: colour %d temporary %v, want %d %v", tc.ms, got, s.Temporary(at(tc.ms)), tc.want, tc.temp)
		}
	}
	if c, ok := s.TemporaryColor(at(700)); !ok || c != ColorGreen {
		t.Errorf("TemporaryColor during the off phase = %d %v, want green", c, ok)
	}
	s.Apply(LEDRecord{Temp: LEDTemporary{Control: LEDTempSet, OnTime: 1, OnColor: ColorAmber, Timer: 50}}, at(2000))
	s.Apply(LEDRecord{Temp: LEDTemporary{Control: LEDTempCancel}}, at(2100))
	if got := s.Color(at(2200)); got != ColorRed {
		t.Errorf("after cancel: colour %d, want red", got)
	}
}
