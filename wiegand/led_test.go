package wiegand

import (
	"context"
	"testing"
	"time"

	"github.com/palmd/palmd/drivers/pinsim"
	"periph.io/x/conn/v3/gpio"
)

func nextEvent(t *testing.T, ch <-chan LEDEvent) LEDEvent {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("LED channel closed")
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no LED event")
	}
	return LEDEvent{}
}

func TestLEDReportsDebouncedChanges(t *testing.T) {
	for _, granted := range []gpio.Level{gpio.Low, gpio.High} {
		pin := pinsim.New("LED", 4)
		pin.Set(!granted) // idle: not granted
		led, err := NewLED(pin, LEDConfig{GrantedLevel: granted, Debounce: 30 * time.Millisecond, Poll: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		events := led.Watch(ctx)
		// A bounce that returns to idle is not reported...
		for range 5 {
			pin.Set(granted)
			pin.Set(!granted)
		}
		// ...and a held level is, once.
		pin.Set(granted)
		if e := nextEvent(t, events); !e.Granted {
			t.Errorf("polarity %v: first event %+v, want granted", granted, e)
		}
		if !led.Granted() {
			t.Error("Granted() false while the line is at the granted level")
		}
		pin.Set(!granted)
		if e := nextEvent(t, events); e.Granted {
			t.Errorf("polarity %v: second event %+v, want denied", granted, e)
		}
		cancel()
		for range events {
		}
	}
}
