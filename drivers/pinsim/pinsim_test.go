package pinsim

import (
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
)

func TestRecordsEdgesInOrderWithMonotonicTime(t *testing.T) {
	p := New("D0", 0)
	for _, l := range []gpio.Level{gpio.High, gpio.High, gpio.Low, gpio.High} {
		if err := p.Out(l); err != nil {
			t.Fatal(err)
		}
	}
	edges := p.Edges()
	want := []gpio.Level{gpio.High, gpio.Low, gpio.High}
	if len(edges) != len(want) {
		t.Fatalf("got %d edges, want %d (a repeated level is not an edge)", len(edges), len(want))
	}
	for i, e := range edges {
		if e.Level != want[i] {
			t.Errorf("edge %d: level %v, want %v", i, e.Level, want[i])
		}
		if i > 0 && e.At.Before(edges[i-1].At) {
			t.Errorf("edge %d stamped before edge %d", i, i-1)
		}
	}
}

func TestWaitForEdgeHonoursEdgeMode(t *testing.T) {
	tests := []struct {
		mode gpio.Edge
		to   gpio.Level
		want bool
	}{
		{gpio.RisingEdge, gpio.High, true},
		{gpio.RisingEdge, gpio.Low, false},
		{gpio.FallingEdge, gpio.Low, true},
		{gpio.BothEdges, gpio.High, true},
		{gpio.NoEdge, gpio.High, false},
	}
	for _, tt := range tests {
		p := New("in", 1)
		start := gpio.Low
		if tt.to == gpio.Low {
			start = gpio.High
		}
		p.Set(start)
		if err := p.In(gpio.PullUp, tt.mode); err != nil {
			t.Fatal(err)
		}
		p.Set(tt.to)
		if got := p.WaitForEdge(10 * time.Millisecond); got != tt.want {
			t.Errorf("mode %v to %v: WaitForEdge=%v, want %v", tt.mode, tt.to, got, tt.want)
		}
	}
}

func TestConnectCarriesLevelsUntilCut(t *testing.T) {
	b := NewBoard("tx", "rx")
	tx, rx := b.Sim("tx"), b.Sim("rx")
	cut := tx.Connect(rx)
	_ = tx.Out(gpio.High)
	if rx.Read() != gpio.High {
		t.Fatal("wire did not carry High")
	}
	cut()
	_ = tx.Out(gpio.Low)
	if rx.Read() != gpio.High {
		t.Fatal("cut wire still carried a level")
	}
	if _, err := b.ByName("nope"); err == nil {
		t.Fatal("unknown pin name accepted")
	}
}
