package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func openT(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestKVSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	db := openT(t, dir)
	if err := db.Put("config", []byte(`{"version":3}`)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openT(t, dir)
	got, err := db.Get("config")
	if err != nil || string(got) != `{"version":3}` {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := db.Get("absent"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing key: %v", err)
	}
}

func TestFilesAreOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	openT(t, dir)
	for _, f := range []string{"state.db", "device.key"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s mode %v: readable by others", f, st.Mode().Perm())
		}
	}
}

func TestSecondOpenFailsInsteadOfHanging(t *testing.T) {
	dir := t.TempDir()
	openT(t, dir)
	if _, err := Open(dir); err == nil {
		t.Fatal("second open of a locked state file succeeded")
	}
}

// The template bytes must never appear in clear in the file.
func TestProfilesAreEncryptedAtRest(t *testing.T) {
	dir := t.TempDir()
	db := openT(t, dir)
	secret := bytes.Repeat([]byte("PALMTEMPLATE"), 20)
	if err := db.PutProfile("alice", secret); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetProfile("alice")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("round trip: %v", err)
	}
	db.Close()
	raw, err := os.ReadFile(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("PALMTEMPLATE")) {
		t.Fatal("template found in clear in state.db")
	}
}

// After deletion, even a copy of the old file (old pages, wrapped keys and
// all) opened with the current device key cannot give the record back.
func TestDeletedProfileIsUnreadableFromOldPages(t *testing.T) {
	dir := t.TempDir()
	db := openT(t, dir)
	for _, id := range []string{"alice", "bob"} {
		if err := db.PutProfile(id, []byte("template of "+id)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	before, err := os.ReadFile(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	db = openT(t, dir)
	if err := db.DeleteProfiles("alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetProfile("alice"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted profile still readable: %v", err)
	}
	if got, err := db.GetProfile("bob"); err != nil || string(got) != "template of bob" {
		t.Fatalf("other profile damaged: %q %v", got, err)
	}
	db.Close()

	// An attacker restores the pre-deletion pages next to today's key file.
	forensic := t.TempDir()
	if err := os.WriteFile(filepath.Join(forensic, "state.db"), before, 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(dir, "device.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(forensic, "device.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	old := openT(t, forensic)
	if _, err := old.GetProfile("alice"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("deleted profile recovered from old pages: %v", err)
	}
}

func TestInterruptedRotationIsFinishedAtOpen(t *testing.T) {
	dir := t.TempDir()
	db := openT(t, dir)
	if err := db.PutProfile("carol", []byte("t")); err != nil {
		t.Fatal(err)
	}
	// Power cut after the new key was written, before the rewrap committed.
	if err := db.key.BeginRotation(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openT(t, dir)
	if db.key.Rotating() {
		t.Fatal("rotation left unfinished")
	}
	if got, err := db.GetProfile("carol"); err != nil || string(got) != "t" {
		t.Fatalf("profile lost across interrupted rotation: %q %v", got, err)
	}
}

func TestWipeDestroysEverything(t *testing.T) {
	db := openT(t, t.TempDir())
	_ = db.PutProfile("dave", []byte("t"))
	_ = db.Put("identity", []byte("cert"))
	_, _ = db.Enqueue("ev-1", []byte("{}"))
	if err := db.Wipe(); err != nil {
		t.Fatal(err)
	}
	n, _ := db.ProfileCount()
	q, _ := db.OutboxLen()
	_, err := db.Get("identity")
	if n != 0 || q != 0 || !errors.Is(err, ErrNotFound) {
		t.Fatalf("after wipe: %d profiles, %d events, identity err %v", n, q, err)
	}
}

func TestOutboxKeepsOrderAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	db := openT(t, dir)
	for i := range 5 {
		if _, err := db.Enqueue(fmt.Sprintf("ev-%d", i), []byte(fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	first, err := db.Pending(2)
	if err != nil || len(first) != 2 || first[0].ID != "ev-0" || first[1].ID != "ev-1" {
		t.Fatalf("pending: %+v %v", first, err)
	}
	if err := db.Ack(first[0].Seq, first[1].Seq, first[1].Seq); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openT(t, dir)
	rest, err := db.Pending(10)
	if err != nil || len(rest) != 3 || rest[0].ID != "ev-2" || string(rest[2].Payload) != `{"n":4}` {
		t.Fatalf("after restart: %+v %v", rest, err)
	}
	if _, err := db.Enqueue("", nil); err == nil {
		t.Fatal("event without ID accepted")
	}
}

func TestCorruptKeyFileIsAClearError(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "device.key"), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil {
		t.Fatal("corrupt device key accepted")
	}
}

func BenchmarkDeleteProfileAmong10k(b *testing.B) {
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rec := make([]byte, 2048)
	for i := range 10_000 {
		if err := db.PutProfile(fmt.Sprintf("p%05d", i), rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := db.DeleteProfiles(fmt.Sprintf("p%05d", i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/delete")
}

// TestForEachProfileReportsDamage: a record that fails authentication is
// handed to fn as ErrCorrupt, and the records after it still come.
func TestForEachProfileReportsDamage(t *testing.T) {
	db := openT(t, t.TempDir())
	for _, id := range []string{"a", "b", "c"} {
		if err := db.PutProfile(id, []byte("record of "+id)); err != nil {
			t.Fatal(err)
		}
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		v := bytes.Clone(tx.Bucket(bucketProfiles).Get([]byte("b")))
		v[len(v)-1] ^= 1
		return tx.Bucket(bucketProfiles).Put([]byte("b"), v)
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = db.ForEachProfile(func(id string, data []byte, err error) error {
		switch {
		case errors.Is(err, ErrCorrupt):
			got = append(got, id+": corrupt")
		case err != nil:
			return err
		default:
			got = append(got, id+": "+string(data))
		}
		return nil
	})
	want := "a: record of a|b: corrupt|c: record of c"
	if err != nil || strings.Join(got, "|") != want {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
}
