package pinsim

import (
	"fmt"
	"sort"
	"sync"

	"periph.io/x/conn/v3/gpio"
)

// Board is a set of simulated pins looked up by name, standing in for the
// periph pin registry of a real reader.
type Board struct {
	mu   sync.Mutex
	pins map[string]*Pin
}

// NewBoard returns a board with a pin for each name, numbered in order.
func NewBoard(names ...string) *Board {
	b := &Board{pins: map[string]*Pin{}}
	for _, n := range names {
		b.Add(n)
	}
	return b
}

// Add creates the named pin if it does not exist, and returns it.
func (b *Board) Add(name string) *Pin {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.pins[name]; ok {
		return p
	}
	p := New(name, len(b.pins))
	b.pins[name] = p
	return p
}

// Sim returns the named simulated pin, or nil.
func (b *Board) Sim(name string) *Pin {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pins[name]
}

// ByName returns the named pin as a gpio.PinIO, as a pin registry does.
func (b *Board) ByName(name string) (gpio.PinIO, error) {
	if p := b.Sim(name); p != nil {
		return p, nil
	}
	return nil, fmt.Errorf("pinsim: no pin named %q", name)
}

// Names lists the board's pins, sorted.
func (b *Board) Names() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	names := make([]string, 0, len(b.pins))
	for n := range b.pins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
