package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/palmd/palmd/drivers/atomicfile"
)

// keySize is AES-256.
const keySize = 32

// deviceKey wraps profile keys. Its ID is stored beside every wrapped key so
// that a rotation interrupted by a power cut can be finished.
type deviceKey struct {
	id  uint32
	key [keySize]byte
}

// DeviceKey wraps the keys of everything the reader seals: each profile's
// key and each secret's. It is the one key a copy of the state directory
// must not carry. A secure element or a TPM implements it so that the key
// never leaves the chip; FileKey keeps it in a file, which protects nothing
// against a copy of the directory and is for the simulator and boards
// without such a chip.
//
// Deleting a profile rotates it: wraps made before a rotation stay
// readable until EndRotation, so that a power cut in between loses nothing.
type DeviceKey interface {
	// Wrap seals a data key, bound to aad.
	Wrap(plain, aad []byte) ([]byte, error)
	// Unwrap opens what Wrap made, with the current or the previous key.
	Unwrap(wrapped, aad []byte) ([]byte, error)
	// Current reports whether wrapped was made with the current key.
	Current(wrapped []byte) bool
	// BeginRotation makes a new key current; the old one still unwraps.
	BeginRotation() error
	// EndRotation destroys every key but the current one.
	EndRotation() error
	// Rotating reports a rotation begun and not ended.
	Rotating() bool
	// ReplaceAll destroys every key and starts with a new one.
	ReplaceAll() error
}

// FileKey is a DeviceKey held in a small file of its own (0600). The first
// key is current; a second one exists only while a rotation is under way.
type FileKey = keyring

var _ DeviceKey = (*keyring)(nil)

// OpenFileKey opens the key file at path, making a key on first use.
func OpenFileKey(path string) (*FileKey, error) { return openKeyring(path) }

// keyring holds the device keys in a small file of its own.
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
		return k, k.ReplaceAll()
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

// Rotating implements DeviceKey.
func (k *keyring) Rotating() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.keys) > 1
}

// BeginRotation implements DeviceKey.
func (k *keyring) BeginRotation() error {
	nk, err := newDeviceKey()
	if err != nil {
		return err
	}
	k.mu.Lock()
	keys := append([]deviceKey{nk}, k.keys[0])
	k.mu.Unlock()
	return k.write(keys)
}

// EndRotation implements DeviceKey.
func (k *keyring) EndRotation() error {
	return k.write([]deviceKey{k.current()})
}

// ReplaceAll implements DeviceKey.
func (k *keyring) ReplaceAll() error {
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

// Wrap implements DeviceKey: keyID || sealed.
func (k *keyring) Wrap(plain, aad []byte) ([]byte, error) {
	dk := k.current()
	sealed, err := seal(dk.key[:], plain, aad)
	if err != nil {
		return nil, err
	}
	return append(binary.BigEndian.AppendUint32(nil, dk.id), sealed...), nil
}

// Unwrap implements DeviceKey.
func (k *keyring) Unwrap(wrapped, aad []byte) ([]byte, error) {
	if len(wrapped) < 4 {
		return nil, ErrCorrupt
	}
	dk, ok := k.byID(binary.BigEndian.Uint32(wrapped))
	if !ok {
		return nil, ErrCorrupt
	}
	return open(dk.key[:], wrapped[4:], aad)
}

// Current implements DeviceKey.
func (k *keyring) Current(wrapped []byte) bool {
	return len(wrapped) >= 4 && binary.BigEndian.Uint32(wrapped) == k.current().id
}

// write replaces the key file atomically: temporary file, fsync, rename,
// fsync of the directory.
func (k *keyring) write(keys []deviceKey) error {
	buf := make([]byte, 0, len(keys)*keyRecord)
	for _, dk := range keys {
		buf = binary.BigEndian.AppendUint32(buf, dk.id)
		buf = append(buf, dk.key[:]...)
	}
	if err := atomicfile.Write(k.path, buf, 0o600); err != nil {
		return fmt.Errorf("store: device key: %w", err)
	}
	k.mu.Lock()
	k.keys = keys
	k.mu.Unlock()
	return nil
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
