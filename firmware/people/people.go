// Package people keeps the reader's enrolled people: each profile sealed
// in the store's vault under its own key, and all of them in an in-memory
// gallery for identification. Both change together, so a person deleted
// by the service is unrecognisable as soon as Delete returns.
package people

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/firmware/api"
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
}

// Open loads every stored profile into a new gallery.
func Open(db *store.DB) (*Directory, error) {
	d := &Directory{db: db, Gallery: gallery.New()}
	var people []gallery.Person
	total := 0
	err := db.ForEachProfile(func(id string, data []byte) error {
		p, err := decode(data)
		if errors.Is(err, template.ErrVersion) {
			d.Outdated++ // kept in the store: the service may replace it
			return nil
		}
		if err != nil {
			return fmt.Errorf("people: profile %s: %w", id, err)
		}
		people = append(people, p)
		total += len(p.Templates)
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.Gallery.Reserve(total)
	for _, p := range people {
		if err := d.Gallery.Put(p); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// decode turns a stored profile into a gallery person.
func decode(data []byte) (gallery.Person, error) {
	var p api.Profile
	if err := json.Unmarshal(data, &p); err != nil {
		return gallery.Person{}, err
	}
	out := gallery.Person{ID: p.ID, Badge: p.Badge, Templates: make([]template.Template, len(p.Templates))}
	for i, raw := range p.Templates {
		if err := out.Templates[i].UnmarshalBinary(raw); err != nil {
			return gallery.Person{}, err
		}
	}
	return out, nil
}

// Add stores a profile and makes it searchable; a profile whose templates
// are not valid is refused before anything is stored.
func (d *Directory) Add(p api.Profile) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	person, err := decode(data)
	if err != nil {
		return fmt.Errorf("people: profile %s: %w", p.ID, err)
	}
	if err := d.db.PutProfile(p.ID, data); err != nil {
		return err
	}
	return d.Gallery.Put(person)
}

// Delete makes people unrecognisable at once, then destroys their stored
// profiles and keys.
func (d *Directory) Delete(ids ...string) error {
	d.Gallery.Delete(ids...)
	return d.db.DeleteProfiles(ids...)
}
