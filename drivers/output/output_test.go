package output

import (
	"errors"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/pinsim"
)

// manualClock runs scheduled functions when the test advances it.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

type manualTimer struct {
	c       *manualClock
	at      time.Time
	f       func()
	stopped bool
}

func newClock() *manualClock { return &manualClock{now: time.Unix(1_700_000_000, 0)} }

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *manualTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// advance moves time on by d, running every timer that falls due, in order.
func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
		var due *manualTimer
		for i, t := range c.timers {
			if !t.stopped && !t.at.After(end) {
				due = t
				c.timers = slices.Delete(c.timers, i, i+1)
				break
			}
		}
		if due == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		c.now = due.at
		due.stopped = true
		c.mu.Unlock()
		due.f()
	}
}

func newOut(t *testing.T, activeLow bool) (*Output, *pinsim.Pin, *manualClock) {
	t.Helper()
	pin := pinsim.New("RELAY", 0)
	pin.Set(gpio.Level(!activeLow)) // energised, as a crashed previous run left it
	clk := newClock()
	o, err := New(pin, Config{Name: "relay", ActiveLow: activeLow, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	pin.Reset()
	return o, pin, clk
}

func levels(p *pinsim.Pin) []gpio.Level {
	var out []gpio.Level
	for _, e := range p.Edges() {
		out = append(out, e.Level)
	}
	return out
}

// polarity gives the energised and de-energised levels of each coil drive.
var polarity = []struct {
	name      string
	activeLow bool
	on, off   gpio.Level
}{
	{"active-high", false, gpio.High, gpio.Low},
	{"active-low", true, gpio.Low, gpio.High},
}

func TestNewDeEnergises(t *testing.T) {
	for _, tt := range polarity {
		o, pin, _ := newOut(t, tt.activeLow)
		if pin.Read() != tt.off || o.State().Energised {
			t.Errorf("%s: line %v after New, want %v (de-energised)", tt.name, pin.Read(), tt.off)
		}
	}
}

func TestPulseEnergisesThenReleases(t *testing.T) {
	for _, tt := range polarity {
		o, pin, clk := newOut(t, tt.activeLow)
		start := clk.Now()
		if err := o.Pulse(3 * time.Second); err != nil {
			t.Fatal(err)
		}
		st := o.State()
		if pin.Read() != tt.on || !st.Energised || !st.Until.Equal(start.Add(3*time.Second)) {
			t.Fatalf("%s: during pulse: line %v, state %+v", tt.name, pin.Read(), st)
		}
		clk.advance(3*time.Second - time.Millisecond)
		if pin.Read() != tt.on {
			t.Fatalf("%s: pulse ended early", tt.name)
		}
		clk.advance(time.Millisecond)
		if pin.Read() != tt.off || o.State().Energised || !o.State().Until.IsZero() {
			t.Fatalf("%s: still energised after the pulse: %+v", tt.name, o.State())
		}
		if got := levels(pin); !slices.Equal(got, []gpio.Level{tt.on, tt.off}) {
			t.Fatalf("%s: edges %v, want [%v %v]", tt.name, got, tt.on, tt.off)
		}
	}
}

func TestPulseDuringPulseNeverShortens(t *testing.T) {
	tests := []struct {
		name   string
		second time.Duration // pulse given 1 s into a 5 s pulse
		end    time.Duration // when the output must release, from the start
	}{
		{"shorter keeps the first end", time.Second, 5 * time.Second},
		{"longer extends", 10 * time.Second, 11 * time.Second},
	}
	for _, tt := range tests {
		o, pin, clk := newOut(t, false)
		_ = o.Pulse(5 * time.Second)
		clk.advance(time.Second)
		if err := o.Pulse(tt.second); err != nil {
			t.Fatal(err)
		}
		clk.advance(tt.end - time.Second - time.Millisecond)
		if pin.Read() != gpio.High {
			t.Fatalf("%s: released before %v", tt.name, tt.end)
		}
		clk.advance(time.Millisecond)
		if pin.Read() != gpio.Low {
			t.Fatalf("%s: still energised at %v", tt.name, tt.end)
		}
		if got := levels(pin); len(got) != 2 {
			t.Fatalf("%s: edges %v: a second pulse must not toggle the line", tt.name, got)
		}
	}
}

// A timer callback that fired but lost the race with a newer command must
// not cut the newer pulse short.
func TestStaleTimerIsIgnored(t *testing.T) {
	o, pin, clk := newOut(t, false)
	_ = o.Pulse(time.Second)
	stale := clk.timers[0]
	_ = o.Release()
	_ = o.Pulse(time.Second)
	stale.f()
	if pin.Read() != gpio.High {
		t.Fatal("stale timer de-energised a newer pulse")
	}
	clk.advance(time.Second)
	if pin.Read() != gpio.Low {
		t.Fatal("second pulse never ended")
	}
}

func TestHoldAndPulseDuringHold(t *testing.T) {
	for _, tt := range polarity {
		o, pin, clk := newOut(t, tt.activeLow)
		_ = o.Pulse(time.Second)
		if err := o.Hold(); err != nil {
			t.Fatal(err)
		}
		if err := o.Pulse(time.Second); err != nil { // a grant while held open
			t.Fatal(err)
		}
		clk.advance(time.Hour)
		if st := o.State(); pin.Read() != tt.on || !st.Held || !st.Energised || !st.Until.IsZero() {
			t.Fatalf("%s: hold ended by a pulse timer: line %v, %+v", tt.name, pin.Read(), st)
		}
		if err := o.Release(); err != nil {
			t.Fatal(err)
		}
		if st := o.State(); pin.Read() != tt.off || st.Energised || st.Held {
			t.Fatalf("%s: release left the output energised: %+v", tt.name, st)
		}
		if got := levels(pin); !slices.Equal(got, []gpio.Level{tt.on, tt.off}) {
			t.Fatalf("%s: edges %v, want one energise and one release", tt.name, got)
		}
	}
}

func TestCloseIsTheSafeState(t *testing.T) {
	for _, tt := range polarity {
		o, pin, _ := newOut(t, tt.activeLow)
		_ = o.Hold()
		if err := o.Close(); err != nil {
			t.Fatal(err)
		}
		if pin.Read() != tt.off || o.State().Energised {
			t.Fatalf("%s: Close left the coil energised", tt.name)
		}
		if err := o.Pulse(time.Second); !errors.Is(err, ErrClosed) {
			t.Fatalf("%s: Pulse after Close: %v, want ErrClosed", tt.name, err)
		}
		if err := o.Hold(); !errors.Is(err, ErrClosed) || pin.Read() != tt.off {
			t.Fatalf("%s: Hold after Close: %v, line %v", tt.name, err, pin.Read())
		}
		if err := o.Close(); err != nil {
			t.Fatalf("%s: second Close: %v", tt.name, err)
		}
	}
}

func TestBadPulse(t *testing.T) {
	o, _, _ := newOut(t, false)
	for _, d := range []time.Duration{0, -time.Second} {
		if err := o.Pulse(d); err == nil {
			t.Errorf("pulse of %v accepted", d)
		}
	}
}

// flakyPin fails its next n writes.
type flakyPin struct {
	*pinsim.Pin
	mu   sync.Mutex
	fail int
}

func (p *flakyPin) Out(l gpio.Level) error {
	p.mu.Lock()
	if p.fail > 0 {
		p.fail--
		p.mu.Unlock()
		return errors.New("line write failed")
	}
	p.mu.Unlock()
	return p.Pin.Out(l)
}

func TestPulseEndRetriesAFailedRelease(t *testing.T) {
	pin := &flakyPin{Pin: pinsim.New("RELAY", 0)}
	clk := newClock()
	o, err := New(pin, Config{Name: "relay", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	_ = o.Pulse(time.Second)
	pin.mu.Lock()
	pin.fail = 2
	pin.mu.Unlock()
	clk.advance(time.Second)
	if st := o.State(); pin.Read() != gpio.High || st.Fault == nil || !st.Energised {
		t.Fatalf("a failed release must show as energised with a fault: %+v", st)
	}
	clk.advance(2 * retryEvery)
	if st := o.State(); pin.Read() != gpio.Low || st.Fault != nil || st.Energised {
		t.Fatalf("release not retried until it worked: line %v, %+v", pin.Read(), st)
	}
}

func TestFailedEnergiseLeavesNoPulse(t *testing.T) {
	pin := &flakyPin{Pin: pinsim.New("RELAY", 0)}
	o, err := New(pin, Config{Name: "relay", Clock: newClock()})
	if err != nil {
		t.Fatal(err)
	}
	pin.fail = 1
	if err := o.Pulse(time.Second); err == nil {
		t.Fatal("failed write not reported")
	}
	if st := o.State(); st.Energised || !st.Until.IsZero() || st.Fault == nil {
		t.Fatalf("state after a failed pulse: %+v", st)
	}
}

func TestRealClockEndsPulse(t *testing.T) {
	pin := pinsim.New("GPO", 1)
	o, err := New(pin, Config{Name: "gpo"})
	if err != nil {
		t.Fatal(err)
	}
	_ = o.Pulse(5 * time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for pin.Read() == gpio.High && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if pin.Read() != gpio.Low || o.State().Energised {
		t.Fatal("pulse with the real clock never ended")
	}
}

func TestLockContact(t *testing.T) {
	tests := []struct {
		lock    Lock
		want    string
		wantErr bool
	}{
		{FailSecure, "COM/NO", false},
		{FailSafe, "COM/NC", false},
		{"magnetic", "", true},
	}
	for _, tt := range tests {
		got, err := tt.lock.Contact()
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%q: %q, %v; want %q, error %v", tt.lock, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestOffForResumesTheHold: "temporary off" de-energises a held output and
// holds it again when the time is up, unless a later command superseded it:
// a "permanent off" during the pause must never be undone by the resumption.
func TestOffForResumesTheHold(t *testing.T) {
	for _, tc := range []struct {
		name   string
		during func(o *Output) error
		want   bool // energised after the pause
	}{
		{"nothing in between", func(*Output) error { return nil }, true},
		{"permanent off in between", (*Output).Release, false},
		{"hold in between", (*Output).Hold, true},
		{"a pulse in between is absorbed by the hold", func(o *Output) error { return o.Pulse(time.Second) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, pin, clk := newOut(t, false)
			if err := o.Hold(); err != nil {
				t.Fatal(err)
			}
			if err := o.OffFor(2 * time.Second); err != nil {
				t.Fatal(err)
			}
			if pin.Read() != gpio.Low || o.State().Energised {
				t.Fatal("OffFor left a held output energised")
			}
			clk.advance(500 * time.Millisecond)
			if err := tc.during(o); err != nil {
				t.Fatal(err)
			}
			clk.advance(5 * time.Second)
			if got := o.State().Energised; got != tc.want {
				t.Fatalf("energised after the pause = %v, want %v", got, tc.want)
			}
			if got := pin.Read() == gpio.High; got != tc.want {
				t.Fatalf("line High after the pause = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOffForOnAnOutputNotHeld(t *testing.T) {
	o, pin, clk := newOut(t, false)
	if err := o.Pulse(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := o.OffFor(time.Second); err != nil {
		t.Fatal(err)
	}
	clk.advance(20 * time.Second)
	if pin.Read() != gpio.Low || o.State().Energised {
		t.Fatal("an output that was only pulsing came back on after OffFor")
	}
	if err := o.OffFor(0); err == nil {
		t.Fatal("OffFor(0) accepted")
	}
}
