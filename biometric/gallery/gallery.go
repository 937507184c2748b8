// Package gallery holds the enrolled people in memory and identifies a
// probe among them (1:N): a coarse pass over every template's block
// summary keeps a shortlist, and only the shortlist is compared with the
// shift-searching fine distance. Additions and deletions apply at once.
package gallery

import (
	"errors"
	"slices"
	"sync"

	"github.com/palmd/palmd/biometric/template"
)

// Person is one enrolled identity: the badge the panel gets on a match and
// the templates of both hands.
type Person struct {
	ID        string
	Badge     string
	Templates []template.Template
}

// entry is one template, stored flat so the coarse pass walks memory in
// order.
type entry struct {
	person int32 // index into people
	index  int32 // into the person's Templates
	t      template.Template
}

// Gallery is safe for concurrent use: searches share a read lock,
// changes take the write lock.
type Gallery struct {
	mu      sync.RWMutex
	entries []entry
	people  []personRef
	byID    map[string]int32
	free    []int32 // reusable people slots
}

type personRef struct {
	id, badge string
	live      bool
}

// New returns an empty gallery.
func New() *Gallery { return &Gallery{byID: map[string]int32{}} }

// Reserve makes room for templates more templates at once, so a gallery
// loaded at start (the count is known) does not grow by doubling, which
// would hold up to twice the memory it needs.
func (g *Gallery) Reserve(templates int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.entries = slices.Grow(g.entries, templates)
}

// ErrEmpty is returned by Put for a person without templates.
var ErrEmpty = errors.New("gallery: a person needs at least one template")

// Put adds a person or replaces their templates.
func (g *Gallery) Put(p Person) error {
	if len(p.Templates) == 0 {
		return ErrEmpty
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.deleteLocked(p.ID)
	var slot int32
	if n := len(g.free); n > 0 {
		slot, g.free = g.free[n-1], g.free[:n-1]
		g.people[slot] = personRef{p.ID, p.Badge, true}
	} else {
		slot = int32(len(g.people))
		g.people = append(g.people, personRef{p.ID, p.Badge, true})
	}
	g.byID[p.ID] = slot
	for i, t := range p.Templates {
		t.Outline = slices.Clone(t.Outline) // the gallery's own, cleared when it forgets the person
		g.entries = append(g.entries, entry{person: slot, index: int32(i), t: t})
	}
	return nil
}

// Delete removes people; from the moment it returns they match no probe.
func (g *Gallery) Delete(ids ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, id := range ids {
		g.deleteLocked(id)
	}
}

func (g *Gallery) deleteLocked(id string) {
	slot, ok := g.byID[id]
	if !ok {
		return
	}
	delete(g.byID, id)
	g.people[slot] = personRef{}
	g.free = append(g.free, slot)
	kept := g.entries[:0]
	for _, e := range g.entries {
		if e.person != slot {
			kept = append(kept, e)
		} else {
			clear(e.t.Outline) // its own array: clearing the entry would leave it
		}
	}
	clear(g.entries[len(kept):]) // templates of the deleted are not left in memory
	g.entries = kept
}

// Clear forgets everyone (deactivation).
func (g *Gallery) Clear() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, e := range g.entries {
		clear(e.t.Outline)
	}
	clear(g.entries)
	g.entries, g.people, g.free = nil, nil, nil
	g.byID = map[string]int32{}
}

// Len returns the number of people and of templates.
func (g *Gallery) Len() (people, templates int) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.byID), len(g.entries)
}
