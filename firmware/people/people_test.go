package people

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/store"
)

func TestAddReloadDelete(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	id := templatetest.NewIdentity(rng)
	enrolled := id.Capture(rng, 0.1, 1)
	raw, _ := enrolled.MarshalBinary()
	if err := d.Add(api.Profile{ID: "p1", Badge: "12:3456", Templates: [][]byte{raw}}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []api.Profile{
		{ID: "bad", Badge: "1:1", Templates: [][]byte{{1, 2, 3}}},
		{ID: "empty", Badge: "1:2"},
	} {
		if err := d.Add(bad); !errors.Is(err, ErrRefused) {
			t.Fatalf("profile %s: %v, want ErrRefused", bad.ID, err)
		}
		if _, err := db.GetProfile(bad.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the refused profile %s reached the store", bad.ID)
		}
	}
	// A restart loads the gallery from the store.
	db.Close()
	if db, err = store.Open(dir); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if d, err = Open(db); err != nil {
		t.Fatal(err)
	}
	probe := match.Probe{Codes: []template.Template{id.Capture(rng, 0.2, 2)}}
	opts := gallery.Options{Threshold: 0.32}
	if r := d.Gallery.Identify(probe, opts); !r.Matched || r.Badge != "12:3456" {
		t.Fatalf("after reload: %+v", r)
	}
	if err := d.Delete("p1"); err != nil {
		t.Fatal(err)
	}
	if r := d.Gallery.Identify(probe, opts); r.Matched {
		t.Fatalf("deleted person matched: %+v", r)
	}
	if _, err := db.GetProfile("p1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("deleted profile still stored")
	}
}

// TestOutdatedProfilesDoNotStopTheReader: a profile coded by an older
// pipeline is left out of the gallery and counted; the others load.
func TestOutdatedProfilesDoNotStopTheReader(t *testing.T) {
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(2, 2))
	tm := templatetest.NewIdentity(rng).Capture(rng, 0.1, 1)
	current, _ := tm.MarshalBinary()
	old := slices.Clone(current)
	old[2] = 6 // version 4's compact form, as readers stored it before version 5
	for id, raw := range map[string][]byte{"now": current, "old": old} {
		storeProfile(t, db, id, raw)
	}
	d, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := d.Gallery.Len(); d.Outdated != 1 || n != 1 {
		t.Fatalf("outdated %d, gallery %d people", d.Outdated, n)
	}
	if _, err := db.GetProfile("old"); err != nil {
		t.Fatalf("the outdated profile was dropped from the store: %v", err)
	}
	// Its person enrolling again replaces it, as any profile of the badge.
	if got := d.ProfileOf("1:old"); got != "old" {
		t.Fatalf("the outdated profile's badge has profile %q", got)
	}
	tm = templatetest.NewIdentity(rng).Capture(rng, 0.1, 1)
	raw, _ := tm.MarshalBinary()
	if err := d.Enrol(api.Profile{ID: "again", Badge: "1:old", Templates: [][]byte{raw}}, d.ProfileOf("1:old")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetProfile("old"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the outdated profile outlived its replacement: %v", err)
	}
}

// TestReEnrolReplaces: a badge has one profile; enrolling it again
// replaces the old one in the store and the gallery, and a restart finds
// the badge's profile again; a profile deleted is not found for upload.
func TestReEnrolReplaces(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	raw := func() []byte {
		t := templatetest.NewIdentity(rng).Capture(rng, 0.1, 1)
		b, _ := t.MarshalBinary()
		return b
	}
	if err := d.Enrol(api.Profile{ID: "old", Badge: "12:3456", Templates: [][]byte{raw()}}, ""); err != nil {
		t.Fatal(err)
	}
	if got := d.ProfileOf("12:3456"); got != "old" {
		t.Fatalf("profile of the badge %q", got)
	}
	if err := d.Enrol(api.Profile{ID: "new", Badge: "12:3456", Templates: [][]byte{raw()}}, "old"); err != nil {
		t.Fatal(err)
	}
	if got := d.ProfileOf("12:3456"); got != "new" {
		t.Fatalf("after re-enrolling: %q", got)
	}
	if people, _ := d.Gallery.Len(); people != 1 {
		t.Fatalf("%d people in the gallery, want 1", people)
	}
	if _, err := d.Profile("old"); !errors.Is(err, ErrNoProfile) {
		t.Fatalf("the replaced profile: %v", err)
	}
	db.Close()
	if db, err = store.Open(dir); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if d, err = Open(db); err != nil {
		t.Fatal(err)
	}
	p, err := d.Profile("new")
	if err != nil || p.Badge != "12:3456" || len(p.Templates) != 1 || d.ProfileOf("12:3456") != "new" {
		t.Fatalf("after a restart: %+v %v", p, err)
	}
}

// TestDamagedProfilesDoNotStopTheReader: a stored profile whose sealed
// record no longer opens, or that holds no templates, is destroyed at
// start and the whole gallery asked for again; the others load.
func TestDamagedProfilesDoNotStopTheReader(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for _, id := range []string{"a", "b", "c"} {
		tm := templatetest.NewIdentity(rng).Capture(rng, 0.1, 1)
		raw, _ := tm.MarshalBinary()
		storeProfile(t, db, id, raw)
	}
	// Written by an older reader, which stored profiles without templates.
	storeProfile(t, db, "empty")
	const cursor = "cloud/gallery-cursor" // the sync's key (cloud.RefetchGallery)
	if err := db.Put(cursor, []byte("7")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	flipProfileByte(t, filepath.Join(dir, "state.db"), "b")

	if db, err = store.Open(dir); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := Open(db)
	if err != nil {
		t.Fatalf("one damaged profile stopped the reader: %v", err)
	}
	if people, _ := d.Gallery.Len(); people != 2 || !slices.Equal(d.Unreadable, []string{"b", "empty"}) {
		t.Fatalf("%d people in the gallery, unreadable %q", people, d.Unreadable)
	}
	for _, id := range d.Unreadable {
		if _, err := db.GetProfile(id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("damaged profile %s still stored: %v", id, err)
		}
	}
	if got, _ := db.Get(cursor); string(got) != "0" {
		t.Fatalf("gallery cursor %q: the gallery is not fetched again", got)
	}
	if d.ProfileOf("1:c") != "c" || d.ProfileOf("1:b") != "" {
		t.Fatalf("badges: c→%q b→%q", d.ProfileOf("1:c"), d.ProfileOf("1:b"))
	}
}

// flipProfileByte damages profile id's sealed record in the bbolt file,
// as a failing flash page would.
func flipProfileByte(t *testing.T, path, id string) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Update(func(tx *bolt.Tx) error {
		bucket := tx.Bucket([]byte("profiles"))
		v := slices.Clone(bucket.Get([]byte(id)))
		v[len(v)/2] ^= 0x40
		return bucket.Put([]byte(id), v)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// flakyKey is a device key whose chip stops answering while down.
type flakyKey struct {
	store.DeviceKey
	down bool
}

func (k *flakyKey) Unwrap(wrapped, aad []byte) ([]byte, error) {
	if k.down {
		return nil, errors.New("i2c: no answer from the secure element")
	}
	return k.DeviceKey.Unwrap(wrapped, aad)
}

// TestFailingKeyDestroysNothing: a device key that cannot unwrap (the
// chip, not the record) stops Open and destroys no profile.
func TestFailingKeyDestroysNothing(t *testing.T) {
	dir := t.TempDir()
	fk, err := store.OpenFileKey(filepath.Join(dir, "device.key"))
	if err != nil {
		t.Fatal(err)
	}
	key := &flakyKey{DeviceKey: fk}
	db, err := store.OpenWith(dir, store.Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(4, 4))
	tm := templatetest.NewIdentity(rng).Capture(rng, 0.1, 1)
	raw, _ := tm.MarshalBinary()
	storeProfile(t, db, "a", raw)
	key.down = true
	if _, err := Open(db); err == nil {
		t.Fatal("opened the directory without its key")
	}
	key.down = false
	if _, err := db.GetProfile("a"); err != nil {
		t.Fatalf("the profile did not survive the key's failure: %v", err)
	}
}

// storeProfile seals profile id (badge "1:"+id) with templates straight
// into the store, as a reader of any version may have left it.
func storeProfile(t *testing.T, db *store.DB, id string, templates ...[]byte) {
	t.Helper()
	data, _ := json.Marshal(api.Profile{ID: id, Badge: "1:" + id, Templates: templates})
	if err := db.PutProfile(id, data); err != nil {
		t.Fatal(err)
	}
}
