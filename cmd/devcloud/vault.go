package main

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/palmd/palmd/drivers/atomicfile"
)

// The service keeps enrolled people's templates as the reader does: each
// profile's templates are sealed with a key of its own (AES-256-GCM), and
// that key is stored in the database wrapped by a wrapping key kept in a
// small file beside it. Deleting a person deletes their key and replaces
// the wrapping key, re-wrapping everyone else's: a copy of the deleted
// person's wrapped key left on a freed database page can then no longer be
// opened, so their templates are unreadable even where old pages survive.
//
// A replacement is crash-safe: the new key is added to the file first, the
// database is re-wrapped in one transaction, and only then is the old key
// dropped from the file; a start that finds two keys finishes the job.

// fileWrapKeys holds the wrapping keys: records of ID (4 bytes) and key.
const fileWrapKeys = "profile-wrap.keys"

const vaultKeySize = 32

type wrapKey struct {
	id  uint32
	key [vaultKeySize]byte
}

// vault seals profiles' templates and destroys them on deletion.
type vault struct {
	path string
	// rot makes key replacements one at a time. It is held across a
	// database transaction, so nothing that runs inside one may take it.
	rot  sync.Mutex
	mu   sync.Mutex // guards keys; never held across a transaction
	keys []wrapKey  // keys[0] is current; more only mid-replacement
}

// openVault loads (or creates) the wrapping keys and finishes a
// replacement a crash interrupted.
func openVault(dir string, db *bolt.DB) (*vault, error) {
	v := &vault{path: filepath.Join(dir, fileWrapKeys)}
	b, err := os.ReadFile(v.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if n := keyCount(db); n != 0 {
			return nil, fmt.Errorf("devcloud: %s is missing and %d profile keys need it", v.path, n)
		}
		k, err := newWrapKey()
		if err != nil {
			return nil, err
		}
		return v, v.store([]wrapKey{k})
	case err != nil:
		return nil, fmt.Errorf("devcloud: wrapping keys: %w", err)
	case len(b) == 0 || len(b)%(4+vaultKeySize) != 0:
		return nil, fmt.Errorf("devcloud: wrapping keys %s: corrupt (%d bytes)", v.path, len(b))
	}
	for off := 0; off < len(b); off += 4 + vaultKeySize {
		k := wrapKey{id: binary.BigEndian.Uint32(b[off:])}
		copy(k.key[:], b[off+4:])
		v.keys = append(v.keys, k)
	}
	if len(v.keys) > 1 {
		if err := db.Update(v.rewrapAll); err != nil {
			return nil, fmt.Errorf("devcloud: finish re-wrapping profile keys: %w", err)
		}
		return v, v.store(v.current())
	}
	return v, nil
}

func keyCount(db *bolt.DB) int {
	n := 0
	_ = db.View(func(tx *bolt.Tx) error { n = tx.Bucket(bProfileKeys).Stats().KeyN; return nil })
	return n
}

func newWrapKey() (wrapKey, error) {
	var k wrapKey
	var id [4]byte
	if _, err := rand.Read(id[:]); err != nil {
		return k, fmt.Errorf("devcloud: random: %w", err)
	}
	if _, err := rand.Read(k.key[:]); err != nil {
		return k, fmt.Errorf("devcloud: random: %w", err)
	}
	k.id = binary.BigEndian.Uint32(id[:])
	return k, nil
}

// store replaces the key file atomically and makes the change durable
// before anything relies on it.
func (v *vault) store(keys []wrapKey) error {
	var b []byte
	for _, k := range keys {
		b = append(binary.BigEndian.AppendUint32(b, k.id), k.key[:]...)
	}
	if err := atomicfile.Write(v.path, b, 0o600); err != nil {
		return fmt.Errorf("devcloud: wrapping keys: %w", err)
	}
	v.mu.Lock()
	v.keys = keys
	v.mu.Unlock()
	return nil
}

// current is the key new wraps use, alone.
func (v *vault) current() []wrapKey {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.keys[:1:1]
}

// all is every known key, the current one first.
func (v *vault) all() []wrapKey {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]wrapKey(nil), v.keys...)
}

func gcmSeal(key []byte, plain, aad []byte) ([]byte, error) {
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, aad), nil
}

func gcmOpen(key []byte, sealed, aad []byte) ([]byte, error) {
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("sealed data too short")
	}
	return aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], aad)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// wrap seals a profile key under the current wrapping key: key ID || GCM.
func (v *vault) wrap(id string, pk []byte) ([]byte, error) {
	k := v.current()[0]
	sealed, err := gcmSeal(k.key[:], pk, []byte(id))
	if err != nil {
		return nil, err
	}
	return append(binary.BigEndian.AppendUint32(nil, k.id), sealed...), nil
}

// unwrap opens a wrapped profile key with whichever known key sealed it.
func (v *vault) unwrap(id string, wrapped []byte) ([]byte, error) {
	if len(wrapped) < 4 {
		return nil, fmt.Errorf("devcloud: profile key of %s: corrupt", id)
	}
	kid := binary.BigEndian.Uint32(wrapped)
	for _, k := range v.all() {
		if k.id == kid {
			pk, err := gcmOpen(k.key[:], wrapped[4:], []byte(id))
			if err != nil {
				return nil, fmt.Errorf("devcloud: profile key of %s: %w", id, err)
			}
			return pk, nil
		}
	}
	return nil, fmt.Errorf("devcloud: profile key of %s: wrapped by a destroyed key", id)
}

// seal stores a fresh key for profile id in tx and returns its templates
// sealed with it.
func (v *vault) seal(tx *bolt.Tx, id string, templates [][]byte) ([]byte, error) {
	pk := make([]byte, vaultKeySize)
	if _, err := rand.Read(pk); err != nil {
		return nil, fmt.Errorf("devcloud: random: %w", err)
	}
	wrapped, err := v.wrap(id, pk)
	if err != nil {
		return nil, fmt.Errorf("devcloud: wrap the key of %s: %w", id, err)
	}
	if err := tx.Bucket(bProfileKeys).Put([]byte(id), wrapped); err != nil {
		return nil, err
	}
	plain, err := json.Marshal(templates)
	if err != nil {
		return nil, err
	}
	return gcmSeal(pk, plain, []byte(id))
}

// open returns the templates of profile id from their sealed form.
func (v *vault) open(tx *bolt.Tx, id string, sealed []byte) ([][]byte, error) {
	wrapped := tx.Bucket(bProfileKeys).Get([]byte(id))
	if wrapped == nil {
		return nil, fmt.Errorf("devcloud: profile key of %s: %w", id, errNotFound)
	}
	pk, err := v.unwrap(id, wrapped)
	if err != nil {
		return nil, err
	}
	plain, err := gcmOpen(pk, sealed, []byte(id))
	if err != nil {
		return nil, fmt.Errorf("devcloud: templates of %s: %w", id, err)
	}
	var templates [][]byte
	return templates, json.Unmarshal(plain, &templates)
}

// destroy runs del (which must delete profile keys in its transaction)
// with a fresh wrapping key: every surviving profile key is re-wrapped
// under it in the same transaction, and the old wrapping key is forgotten
// once that has committed.
func (v *vault) destroy(db *bolt.DB, del func(tx *bolt.Tx) error) error {
	v.rot.Lock()
	defer v.rot.Unlock()
	nk, err := newWrapKey()
	if err != nil {
		return err
	}
	// Keys of an earlier failed replacement stay until one succeeds.
	if err := v.store(append([]wrapKey{nk}, v.all()...)); err != nil {
		return err
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		if err := del(tx); err != nil {
			return err
		}
		return v.rewrapAll(tx)
	}); err != nil {
		return err
	}
	return v.store(v.current())
}

// rewrapAll re-wraps every profile key not under the current key.
func (v *vault) rewrapAll(tx *bolt.Tx) error {
	b := tx.Bucket(bProfileKeys)
	cur := v.current()[0].id
	type kv struct{ id, wrapped []byte }
	var redo []kv
	err := b.ForEach(func(id, wrapped []byte) error {
		if len(wrapped) < 4 || binary.BigEndian.Uint32(wrapped) != cur {
			redo = append(redo, kv{append([]byte(nil), id...), wrapped})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range redo {
		pk, err := v.unwrap(string(r.id), r.wrapped)
		if err != nil {
			return err
		}
		w, err := v.wrap(string(r.id), pk)
		if err != nil {
			return err
		}
		if err := b.Put(r.id, w); err != nil {
			return err
		}
	}
	return nil
}
