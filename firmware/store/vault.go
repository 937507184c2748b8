package store

import (
	"crypto/rand"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The profile vault keeps each person's record (badge ID and templates,
// opaque here) sealed with a key of its own. That key is stored wrapped by the
// device key. Deleting a profile deletes its key and rotates the device key,
// so a copy of the wrapped key left on a freed page can no longer be opened:
// the person's data is unreadable even if old flash pages survive.

// PutProfile seals and stores data for profile id, creating its key on first
// use. One transaction: after a power cut the profile is either whole or absent.
func (db *DB) PutProfile(id string, data []byte) error {
	aad := []byte(id)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		pk, err := db.dataKey(tx, bucketProfileKeys, aad, true)
		if err != nil {
			return err
		}
		sealed, err := seal(pk, data, aad)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketProfiles).Put(aad, sealed)
	})
	if err != nil {
		return fmt.Errorf("store: put profile: %w", err)
	}
	return nil
}

// GetProfile returns the opened record of profile id, or ErrNotFound.
func (db *DB) GetProfile(id string) ([]byte, error) {
	var out []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		out, err = db.openProfile(tx, []byte(id), tx.Bucket(bucketProfiles).Get([]byte(id)))
		return err
	})
	return out, err
}

// ForEachProfile calls fn with every profile's opened record, in ID order,
// or with why the record could not be opened (ErrCorrupt): one damaged
// record must not hide the others. fn must not write to the store.
func (db *DB) ForEachProfile(fn func(id string, data []byte, err error) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketProfiles).ForEach(func(k, v []byte) error {
			data, err := db.openProfile(tx, k, v)
			return fn(string(k), data, err)
		})
	})
}

// DeleteProfiles removes the profiles and destroys their keys. Missing IDs
// are ignored: deletion is idempotent, as gallery sync needs.
func (db *DB) DeleteProfiles(ids ...string) error {
	if err := db.key.BeginRotation(); err != nil {
		return err
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for _, id := range ids {
			if err := tx.Bucket(bucketProfiles).Delete([]byte(id)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketProfileKeys).Delete([]byte(id)); err != nil {
				return err
			}
		}
		return db.rewrapAll(tx)
	})
	if err != nil {
		return fmt.Errorf("store: delete profiles: %w", err)
	}
	return db.key.EndRotation()
}

// ProfileCount returns the number of stored profiles.
func (db *DB) ProfileCount() (int, error) {
	var n int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketProfiles).Stats().KeyN
		return nil
	})
	return n, err
}

func (db *DB) openProfile(tx *bolt.Tx, id, sealed []byte) ([]byte, error) {
	if sealed == nil {
		return nil, fmt.Errorf("%w: profile", ErrNotFound)
	}
	pk, err := db.dataKey(tx, bucketProfileKeys, id, false)
	if err != nil {
		return nil, err
	}
	return open(pk, sealed, id)
}

// dataKey unwraps the key of a profile or secret, creating it when asked.
func (db *DB) dataKey(tx *bolt.Tx, bucket, id []byte, create bool) ([]byte, error) {
	wrapped := tx.Bucket(bucket).Get(id)
	if wrapped != nil {
		return db.key.Unwrap(wrapped, id)
	}
	if !create {
		return nil, ErrCorrupt
	}
	pk := make([]byte, keySize)
	if _, err := rand.Read(pk); err != nil {
		return nil, fmt.Errorf("store: random: %w", err)
	}
	w, err := db.key.Wrap(pk, id)
	if err != nil {
		return nil, err
	}
	return pk, tx.Bucket(bucket).Put(id, w)
}

// rewrapAll re-seals every data key not already under the current device
// key.
func (db *DB) rewrapAll(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketProfileKeys, bucketSecretKeys} {
		if err := db.rewrap(tx.Bucket(name)); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) rewrap(b *bolt.Bucket) error {
	type kv struct{ k, v []byte }
	var redo []kv
	err := b.ForEach(func(k, v []byte) error {
		if db.key.Current(v) {
			return nil
		}
		pk, err := db.key.Unwrap(v, k)
		if err != nil {
			return fmt.Errorf("data key %q: %w", k, err)
		}
		w, err := db.key.Wrap(pk, k)
		if err != nil {
			return err
		}
		redo = append(redo, kv{append([]byte(nil), k...), w})
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range redo { // a bucket is not modified while it is iterated
		if err := b.Put(r.k, r.v); err != nil {
			return err
		}
	}
	return nil
}

// finishRotation completes a rotation a power cut interrupted.
func (db *DB) finishRotation() error {
	if !db.key.Rotating() {
		return nil
	}
	if err := db.bolt.Update(db.rewrapAll); err != nil {
		return fmt.Errorf("store: finish key rotation: %w", err)
	}
	return db.key.EndRotation()
}
