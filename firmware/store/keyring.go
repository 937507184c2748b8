package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// keySize is AES-256.
const keySize = 32

// deviceKey wraps profile keys. Its ID is stored beside every wrapped key so
// that a rotation interrupted by a power cut can be finished.
type deviceKey struct {
	id  uint32
	key [keySize]byte
}

// keyring holds the device keys in a small file of its own. The first key is
// current; a second one exists only while a rotation is under way.
//
// The file stands in for a secure element: only this type touches it.
type keyring struct {
	path string
	mu   sync.Mutex
	keys []deviceKey
}

const keyRecord = 4 + keySize

func openKeyring(path string) (*keyring, error) {
	k := &keyring{path: path}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return k, k.replaceAll()
	case err != nil:
		return nil, fmt.Errorf("store: device key: %w", err)
	}
	if len(b) == 0 || len(b)%keyRecord != 0 {
		return nil, fmt.Errorf("store: device key %s: corrupt (%d bytes)", path, len(b))
	}
	for off := 0; off < len(b); off += keyRecord {
		var dk deviceKey
		dk.id = binary.BigEndian.Uint32(b[off:])
		copy(dk.key[:], b[off+4:off+keyRecord])
		k.keys = append(k.keys, dk)
	}
	return k, nil
}

// current returns the key new wraps use.
func (k *keyring) current() deviceKey {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.keys[0]
}

func (k *keyring) byID(id uint32) (deviceKey, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, dk := range k.keys {
		if dk.id == id {
			return dk, true
		}
	}
	return deviceKey{}, false
}

func (k *keyring) rotating() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.keys) > 1
}

// beginRotation makes a fresh key current while keeping the old one readable.
func (k *keyring) beginRotation() error {
	nk, err := newDeviceKey()
	if err != nil {
		return err
	}
	k.mu.Lock()
	keys := append([]deviceKey{nk}, k.keys[0])
	k.mu.Unlock()
	return k.write(keys)
}

// endRotation forgets every key but the current one.
func (k *keyring) endRotation() error {
	return k.write([]deviceKey{k.current()})
}

// replaceAll forgets every key and starts with a new one.
func (k *keyring) replaceAll() error {
	nk, err := newDeviceKey()
	if err != nil {
		return err
	}
	return k.write([]deviceKey{nk})
}

func newDeviceKey() (deviceKey, error) {
	var dk deviceKey
	var id [4]byte
	if _, err := rand.Read(id[:]); err != nil {
		return dk, fmt.Errorf("store: random: %w", err)
	}
	if _, err := rand.Read(dk.key[:]); err != nil {
		return dk, fmt.Errorf("store: random: %w", err)
	}
	dk.id = binary.BigEndian.Uint32(id[:])
	return dk, nil
}

// write replaces the key file atomically: temporary file, fsync, rename,
// fsync of the directory.
func (k *keyring) write(keys []deviceKey) error {
	buf := make([]byte, 0, len(keys)*keyRecord)
	for _, dk := range keys {
		buf = binary.BigEndian.AppendUint32(buf, dk.id)
		buf = append(buf, dk.key[:]...)
	}
	if err := writeFileAtomic(k.path, buf); err != nil {
		return fmt.Errorf("store: device key: %w", err)
	}
	k.mu.Lock()
	k.keys = keys
	k.mu.Unlock()
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

// seal encrypts plain with AES-256-GCM under key, binding it to aad.
// The output is nonce || ciphertext.
func seal(key []byte, plain, aad []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plain)+gcm.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("store: random: %w", err)
	}
	return gcm.Seal(nonce, nonce, plain, aad), nil
}

// ErrCorrupt is returned when sealed data fails authentication.
var ErrCorrupt = errors.New("store: sealed data corrupt or key gone")

func open(key []byte, sealed, aad []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize()+gcm.Overhead() {
		return nil, ErrCorrupt
	}
	n := gcm.NonceSize()
	plain, err := gcm.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("store: cipher: %w", err)
	}
	return cipher.NewGCM(block)
}
