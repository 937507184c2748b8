package store

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Secrets are small values a copy of the state file must not give away:
// the OSDP Secure Channel key, the configuration with its Wi-Fi
// passphrase. Each is sealed under a key of its own, wrapped by the device
// key like a profile's.

// PutSecret seals value under name, in one transaction.
func (db *DB) PutSecret(name string, value []byte) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error { return db.putSecret(tx, []byte(name), value) })
	if err != nil {
		return fmt.Errorf("store: put secret %s: %w", name, err)
	}
	return nil
}

func (db *DB) putSecret(tx *bolt.Tx, name, value []byte) error {
	k, err := db.dataKey(tx, bucketSecretKeys, name, true)
	if err != nil {
		return err
	}
	sealed, err := seal(k, value, name)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketSecrets).Put(name, sealed)
}

// GetSecret returns the opened secret, or ErrNotFound. A value an older
// version kept in the clear under the same name is sealed and the clear
// copy deleted on this first read.
func (db *DB) GetSecret(name string) ([]byte, error) {
	var out []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		sealed := tx.Bucket(bucketSecrets).Get([]byte(name))
		if sealed == nil {
			return fmt.Errorf("%w: %s", ErrNotFound, name)
		}
		k, err := db.dataKey(tx, bucketSecretKeys, []byte(name), false)
		if err != nil {
			return err
		}
		out, err = open(k, sealed, []byte(name))
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return db.sealClear(name)
	}
	if err != nil {
		return nil, fmt.Errorf("store: secret %s: %w", name, err)
	}
	return out, nil
}

// sealClear moves a value kept in the clear under name into the secrets.
func (db *DB) sealClear(name string) ([]byte, error) {
	var out []byte
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		kv := tx.Bucket(bucketKV)
		v := kv.Get([]byte(name))
		if v == nil {
			return fmt.Errorf("%w: %s", ErrNotFound, name)
		}
		out = append([]byte(nil), v...)
		if err := db.putSecret(tx, []byte(name), out); err != nil {
			return err
		}
		return kv.Delete([]byte(name))
	})
	return out, err
}

// DeleteSecret destroys the secret under name and its data key, so a copy
// of its sealed bytes left in a free page of the file opens no more.
// Deleting what is not there is not an error.
func (db *DB) DeleteSecret(name string) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketSecrets, bucketSecretKeys} {
			if err := tx.Bucket(b).Delete([]byte(name)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketKV).Delete([]byte(name)) // a clear copy of an older version
	})
	if err != nil {
		return fmt.Errorf("store: delete secret %s: %w", name, err)
	}
	return nil
}
