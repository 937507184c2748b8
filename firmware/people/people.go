// Package people keeps the reader's enrolled people: each profile sealed
// in the store's vault under its own key, and all of them in an in-memory
// gallery for identification. Both change together, so a person deleted
// by the service is unrecognisable as soon as Delete returns.
package people

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/store"
)

// Directory is the enrolled people of this reader.
type Directory struct {
	db      *store.DB
	Gallery *gallery.Gallery
	// Outdated counts the stored profiles that Open left out of the
	// gallery because another version of the pipeline coded them: those
	// people must enrol again (or the service send them anew).
	Outdated int
	// Unreadable names the stored profiles Open found damaged (their
	// sealed record failed authentication, or held no valid profile) and
	// destroyed; the next sync fetches the whole gallery again, so the
	// service's copies take their place.
	Unreadable []string

	mu      sync.Mutex        // the sync and an enrollment desk change people at once
	byBadge map[string]string // badge → the newest profile with it
}

// Open loads every stored profile into a new gallery. One damaged
// profile does not keep the reader from starting: it is destroyed and
// fetched again (Unreadable). Open fails only when the store does.
func Open(db *store.DB) (*Directory, error) {
	d := &Directory{db: db, Gallery: gallery.New(), byBadge: map[string]string{}}
	people, outdated, err := d.readAll()
	if err != nil {
		return nil, err
	}
	if err := d.discardUnreadable(); err != nil {
		return nil, err
	}
	total := 0
	for _, p := range people {
		total += len(p.Templates)
	}
	d.Gallery.Reserve(total)
	for _, p := range people {
		if err := d.Gallery.Put(p); err != nil {
			return nil, fmt.Errorf("people: profile %s: %w", p.ID, err)
		}
		d.byBadge[p.Badge] = p.ID
	}
	// An outdated profile's person enrolling again replaces it, as any
	// profile of the badge, unless a current one has the badge.
	for _, p := range outdated {
		if _, ok := d.byBadge[p.Badge]; !ok {
			d.byBadge[p.Badge] = p.ID
		}
	}
	return d, nil
}

// readAll decodes the stored profiles: the current ones, the outdated
// ones (another pipeline version's: ID and badge only, counted in
// Outdated and kept in the store, for the service to replace), and the
// damaged ones' IDs in Unreadable.
func (d *Directory) readAll() (people, outdated []gallery.Person, err error) {
	err = d.db.ForEachProfile(func(id string, data []byte, err error) error {
		if err != nil && !errors.Is(err, store.ErrCorrupt) {
			// The device key or the store failing, not the record:
			// nothing is destroyed for that.
			return fmt.Errorf("profile %s: %w", id, err)
		}
		var p gallery.Person
		if err == nil {
			p, err = decode(data)
		}
		switch {
		case errors.Is(err, template.ErrVersion):
			d.Outdated++
			outdated = append(outdated, p)
		case err != nil:
			d.Unreadable = append(d.Unreadable, id)
		default:
			people = append(people, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("people: reading the stored profiles: %w", err)
	}
	return people, outdated, nil
}

// discardUnreadable destroys the damaged profiles (and their keys) and
// asks the service for the whole gallery at the next sync.
func (d *Directory) discardUnreadable() error {
	if len(d.Unreadable) == 0 {
		return nil
	}
	if err := d.db.DeleteProfiles(d.Unreadable...); err != nil {
		return fmt.Errorf("people: destroying damaged profiles: %w", err)
	}
	if err := cloud.RefetchGallery(d.db); err != nil {
		return fmt.Errorf("people: asking for the gallery again: %w", err)
	}
	return nil
}

// ErrRefused wraps why a profile was refused: it is not one this reader
// can match (no templates, or templates that do not decode).
var ErrRefused = cloud.ErrProfileRefused

// decode turns a stored profile into a gallery person. A profile whose
// templates another version coded (template.ErrVersion) still gives its
// ID and badge, without templates.
func decode(data []byte) (gallery.Person, error) {
	var p api.Profile
	if err := json.Unmarshal(data, &p); err != nil {
		return gallery.Person{}, err
	}
	if len(p.Templates) == 0 {
		return gallery.Person{}, gallery.ErrEmpty
	}
	out := gallery.Person{ID: p.ID, Badge: p.Badge, Templates: make([]template.Template, len(p.Templates))}
	for i, raw := range p.Templates {
		if err := out.Templates[i].UnmarshalBinary(raw); err != nil {
			return gallery.Person{ID: p.ID, Badge: p.Badge}, err
		}
	}
	return out, nil
}

// Add stores a profile and makes it searchable; a profile without valid
// templates is refused (ErrRefused) before anything is stored.
func (d *Directory) Add(p api.Profile) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	person, err := decode(data)
	if err != nil {
		return fmt.Errorf("people: profile %s: %w: %w", p.ID, ErrRefused, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.db.PutProfile(p.ID, data); err != nil {
		return err
	}
	if err := d.Gallery.Put(person); err != nil {
		return err
	}
	d.byBadge[p.Badge] = p.ID
	return nil
}

// Delete makes people unrecognisable at once, then destroys their stored
// profiles and keys.
func (d *Directory) Delete(ids ...string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.deleteLocked(ids...)
}

func (d *Directory) deleteLocked(ids ...string) error {
	d.Gallery.Delete(ids...)
	for _, id := range ids {
		for b, owner := range d.byBadge {
			if owner == id {
				delete(d.byBadge, b)
			}
		}
	}
	return d.db.DeleteProfiles(ids...)
}

// ProfileOf is the profile a badge has here, "" if none.
func (d *Directory) ProfileOf(badge string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.byBadge[badge]
}

// Enrol adds a profile enrolled at this reader and removes the one it
// replaces (the badge's previous profile), so that the badge has one
// profile at any time but the moment between the two.
func (d *Directory) Enrol(p api.Profile, replaces string) error {
	if err := d.Add(p); err != nil {
		return err
	}
	if replaces == "" || replaces == p.ID {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	err := d.deleteLocked(replaces)
	d.byBadge[p.Badge] = p.ID
	return err
}

// ErrNoProfile is a profile this reader does not hold (deleted since).
var ErrNoProfile = cloud.ErrNoProfile

// Profile returns a stored profile, templates included, for its upload.
func (d *Directory) Profile(id string) (api.Profile, error) {
	data, err := d.db.GetProfile(id)
	if errors.Is(err, store.ErrNotFound) {
		return api.Profile{}, fmt.Errorf("%w: %s", ErrNoProfile, id)
	}
	if err != nil {
		return api.Profile{}, err
	}
	var p api.Profile
	if err := json.Unmarshal(data, &p); err != nil {
		return api.Profile{}, fmt.Errorf("people: profile %s: %w", id, err)
	}
	return p, nil
}
