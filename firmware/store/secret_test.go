package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestSecretsAreSealed: a secret is not in the state file in the clear,
// survives a reopen and a profile deletion's key rotation, and goes with
// a wipe.
func TestSecretsAreSealed(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte(`{"scbk":"00112233445566778899aabbccddeeff"}`)
	if err := db.PutSecret("panel/osdp", secret); err != nil {
		t.Fatal(err)
	}
	if err := db.PutProfile("p1", []byte("someone")); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteProfiles("p1"); err != nil { // rotates the device key
		t.Fatal(err)
	}
	db.Close()
	raw, _ := os.ReadFile(filepath.Join(dir, "state.db"))
	if bytes.Contains(raw, []byte("00112233445566778899aabbccddeeff")) {
		t.Fatal("the secret is in the state file in the clear")
	}
	if db, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, err := db.GetSecret("panel/osdp"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("after reopen and rotation: %q %v", got, err)
	}
	if err := db.Wipe(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetSecret("panel/osdp"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after wipe: %v", err)
	}
}

// TestClearValueIsSealedOnFirstRead: a value an older version kept in the
// clear is sealed when first read and the clear copy is gone.
func TestClearValueIsSealedOnFirstRead(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Put("cloud/config", []byte("wifi")); err != nil {
		t.Fatal(err)
	}
	if got, err := db.GetSecret("cloud/config"); err != nil || string(got) != "wifi" {
		t.Fatalf("first read %q %v", got, err)
	}
	if _, err := db.Get("cloud/config"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the clear copy is still there: %v", err)
	}
	if got, err := db.GetSecret("cloud/config"); err != nil || string(got) != "wifi" {
		t.Fatalf("second read %q %v", got, err)
	}
}

// TestAnotherDeviceKey: the state opens only with its own device key.
func TestAnotherDeviceKey(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutSecret("s", []byte("x")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	other, err := OpenFileKey(filepath.Join(t.TempDir(), "other.key"))
	if err != nil {
		t.Fatal(err)
	}
	db, err = OpenWith(dir, Options{Key: other})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.GetSecret("s"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("opened with another device key: %v", err)
	}
}

// TestDeleteSecret: a deleted secret is gone with its data key, and
// deleting one that is not there is no error.
func TestDeleteSecret(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PutSecret("identity/key", []byte("k")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := db.DeleteSecret("identity/key"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.GetSecret("identity/key"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSecretKeys).Get([]byte("identity/key")) != nil {
			return errors.New("its data key is still there")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
