// Package store keeps the reader's persistent state in one bbolt file:
// identity, configuration, the encrypted profile vault and the event outbox,
// one bucket per concern.
//
// Every change that must survive a power cut is one bbolt write transaction
// (bbolt fsyncs on commit; NoSync is never set). Values are copied out of
// transactions before they are returned.
package store

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bucket names. Profiles and their keys live apart so that a key can be
// destroyed without touching the sealed data first.
var (
	bucketKV          = []byte("kv")
	bucketProfiles    = []byte("profiles")
	bucketProfileKeys = []byte("profile-keys")
	bucketOutbox      = []byte("outbox")
	bucketSecrets     = []byte("secrets")
	bucketSecretKeys  = []byte("secret-keys")
)

// buckets are every bucket of the state, in the order init makes them.
var buckets = [][]byte{bucketKV, bucketProfiles, bucketProfileKeys, bucketOutbox, bucketSecrets, bucketSecretKeys}

// ErrNotFound is returned for a missing key or profile.
var ErrNotFound = errors.New("store: not found")

// lockTimeout bounds the wait for the file lock: a second palmd on the same
// state directory must fail at start, not hang.
const lockTimeout = 2 * time.Second

// DB is the open state file. It is safe for concurrent use.
type DB struct {
	bolt *bolt.DB
	key  DeviceKey

	maxOutbox int // MaxOutbox; smaller in tests

	mu   sync.Mutex
	lost uint64 // events dropped when not even the count could be written
}

// Options choose what Open cannot guess.
type Options struct {
	// Key is the device key; nil keeps it in the file device.key in the
	// state directory (see DeviceKey).
	Key DeviceKey
	// MaxOutbox bounds the outbox; 0 is MaxOutbox.
	MaxOutbox int
}

// Open opens (or creates) the state in dir: state.db and the device key file
// device.key, both readable by the owner only.
func Open(dir string) (*DB, error) { return OpenWith(dir, Options{}) }

// OpenWith opens the state in dir as o says.
func OpenWith(dir string, o Options) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dir, "state.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if o.Key == nil {
		if o.Key, err = openKeyring(filepath.Join(dir, "device.key")); err != nil {
			b.Close()
			return nil, err
		}
	}
	reserve(path)
	db := &DB{bolt: b, key: o.Key, maxOutbox: cmp.Or(o.MaxOutbox, MaxOutbox)}
	if err := db.init(); err != nil {
		b.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) init() error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for _, name := range buckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		// An outbox from before its count was kept: count it once.
		if tx.Bucket(bucketKV).Get([]byte(keyOutboxCount)) == nil {
			return setCounter(tx, keyOutboxCount, uint64(tx.Bucket(bucketOutbox).Stats().KeyN))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: init: %w", err)
	}
	// A power cut during a key rotation leaves two device keys; finish it.
	return db.finishRotation()
}

// Close closes the file.
func (db *DB) Close() error { return db.bolt.Close() }

// Put stores a small value (identity, configuration, state) under key.
func (db *DB) Put(key string, value []byte) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKV).Put([]byte(key), value)
	})
	if err != nil {
		return fmt.Errorf("store: put %s: %w", key, err)
	}
	return nil
}

// Get returns a copy of the value under key, or ErrNotFound.
func (db *DB) Get(key string) ([]byte, error) {
	var out []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketKV).Get([]byte(key))
		if v == nil {
			return fmt.Errorf("%w: %s", ErrNotFound, key)
		}
		out = append([]byte(nil), v...)
		return nil
	})
	return out, err
}

// Wipe destroys every profile key, the device key and all data: what
// deactivation leaves behind is unreadable even where old pages survive.
func (db *DB) Wipe() error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for _, name := range buckets {
			if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: wipe: %w", err)
	}
	if err := db.key.ReplaceAll(); err != nil {
		return err
	}
	return db.init()
}
