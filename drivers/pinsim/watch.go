package pinsim

import (
	"fmt"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/pins"
)

// WatchLines captures the edges of the named pins as one stream in the
// order they happened, with the pins' timestamps: the simulator's side of
// pins.Board.WatchLines. It watches without taking the pins (a simulated
// wire can be watched from both ends), so pull is ignored and the pins
// keep their direction.
func (b *Board) WatchLines(names []string, _ gpio.Pull) (*pins.Lines, error) {
	sims := make([]*Pin, len(names))
	for i, n := range names {
		if sims[i] = b.Sim(n); sims[i] == nil {
			return nil, fmt.Errorf("pinsim: watch: no simulated line named %q", n)
		}
	}
	cancels := make([]func(), 0, len(sims))
	stop := func() error {
		for _, c := range cancels {
			c()
		}
		return nil
	}
	lines, push, err := pins.NewFedLines(names, stop)
	if err != nil {
		return nil, err
	}
	for i, p := range sims {
		cancels = append(cancels, p.Watch(func(e Edge) {
			push(pins.LineEvent{Line: i, Level: e.Level, At: e.At})
		}))
	}
	return lines, nil
}
