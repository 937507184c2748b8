package main

import (
	"encoding/json"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// migrate seals templates that versions before the vault kept in the
// clear, in profiles and in the gallery log. When it changed anything it
// compacts the database into a new file, so that no plaintext template
// stays behind on a freed page, and returns the reopened database.
func migrate(path string, d *db, v *vault) (*db, error) {
	changed := 0
	err := d.b.Update(func(tx *bolt.Tx) error {
		var err error
		if changed, err = sealLegacyProfiles(tx, v); err != nil {
			return err
		}
		n, err := dropLegacyAdditions(tx)
		changed += n
		return err
	})
	if err != nil || changed == 0 {
		return d, err
	}
	if err := d.b.Close(); err != nil {
		return nil, err
	}
	if err := compact(path); err != nil {
		return nil, fmt.Errorf("devcloud: compact after sealing %d legacy records: %w", changed, err)
	}
	return openDB(path)
}

func sealLegacyProfiles(tx *bolt.Tx, v *vault) (int, error) {
	var legacy []profile
	err := each(tx, bProfiles, func(_ []byte, p profile) error {
		if len(p.Templates) > 0 {
			legacy = append(legacy, p)
		}
		return nil
	})
	for _, p := range legacy {
		if p.Status == "ACTIVE" {
			if p.Sealed, err = v.seal(tx, p.ID, p.Templates); err != nil {
				return 0, err
			}
		}
		p.Templates = nil
		if err := put(tx, bProfiles, p.ID, p); err != nil {
			return 0, err
		}
	}
	return len(legacy), err
}

func dropLegacyAdditions(tx *bolt.Tx) (int, error) {
	b := tx.Bucket(bGallery)
	type entry struct {
		key []byte
		ch  galleryChange
	}
	var legacy []entry
	err := b.ForEach(func(k, raw []byte) error {
		var ch galleryChange
		if err := json.Unmarshal(raw, &ch); err != nil {
			return fmt.Errorf("gallery %x: %w", k, err)
		}
		if ch.LegacyAdded != nil {
			ch.AddedID, ch.LegacyAdded = ch.LegacyAdded.ID, nil
			legacy = append(legacy, entry{append([]byte(nil), k...), ch})
		}
		return nil
	})
	for _, e := range legacy {
		raw, err := json.Marshal(e.ch)
		if err != nil {
			return 0, err
		}
		if err := b.Put(e.key, raw); err != nil {
			return 0, err
		}
	}
	return len(legacy), err
}

// compact rewrites the database at path into a fresh file holding only
// live data and puts it in place.
func compact(path string) error {
	src, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer src.Close()
	tmp := path + ".compact"
	_ = os.Remove(tmp) // left by a crash during an earlier attempt
	dst, err := bolt.Open(tmp, 0o600, nil)
	if err != nil {
		return err
	}
	err = bolt.Compact(dst, src, 1<<20)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
