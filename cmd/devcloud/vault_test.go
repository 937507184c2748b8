package main

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palmd/palmd/firmware/api"
)

// dbHolds reports whether the service's database file contains b, as
// bytes or in the base64 that JSON records use.
func (s *service) dbHolds(b []byte) bool {
	s.t.Helper()
	raw, err := os.ReadFile(filepath.Join(s.dir, "devcloud.db"))
	if err != nil {
		s.t.Fatal(err)
	}
	// Inner thirds of b encode the same whatever precedes b in the record.
	inner := b[3 : 3+(len(b)-6)/3*3]
	return bytes.Contains(raw, b) || bytes.Contains(raw, []byte(base64.StdEncoding.EncodeToString(inner)))
}

// rawGallery fetches the site's gallery from cursor 0 as r would, and
// returns the answer's bytes.
func (r *reader) rawGallery(svc *service) []byte {
	r.t.Helper()
	_, cert, err := r.ids.Load()
	if err != nil {
		r.t.Fatal(err)
	}
	anchors, _ := trust(r.t, svc.dir)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: anchors, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}}
	resp, err := c.Get("https://" + svc.addr + api.PathGallery + "?cursor=0")
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		r.t.Fatalf("gallery: %d %v", resp.StatusCode, err)
	}
	return b
}

// wrappedKey returns the stored wrapped key of a profile.
func (s *service) wrappedKey(id string) []byte {
	var w []byte
	_ = s.srv.db.b.View(func(tx *bolt.Tx) error {
		w = append([]byte(nil), tx.Bucket(bProfileKeys).Get([]byte(id))...)
		return nil
	})
	return w
}

// TestDeletedBiometricsLeaveNoTrace: templates are sealed at rest with a
// key per person; after DELETE /manage/users/ID the database file holds
// neither their templates nor their key, the wrapped key left on a page
// can no longer be opened, and a reader syncing from cursor 0 gets
// nothing of them, while everyone else is still served byte for byte.
func TestDeletedBiometricsLeaveNoTrace(t *testing.T) {
	svc := startService(t, "", "")
	siteID, a := svc.door("", "Desk")
	_, b := svc.door(siteID, "Turnstile")
	ra := newReader(t, svc, "")
	ra.activate(svc.qrToken(a))
	gone := ra.enroll("person-1", "12:3456", 1)
	kept := ra.enroll("person-2", "12:7890", 2)
	if svc.dbHolds(gone) || svc.dbHolds(kept) {
		t.Fatal("templates are stored in the clear")
	}
	wrapped := svc.wrappedKey("person-1")
	pk, err := svc.srv.vault.unwrap("person-1", wrapped)
	if err != nil {
		t.Fatal(err)
	}

	svc.must("DELETE", "/manage/users/person-1", nil, nil)
	if svc.dbHolds(gone) || svc.dbHolds(pk) {
		t.Fatal("the database file still holds the deleted person's templates or key")
	}
	if _, err := svc.srv.vault.unwrap("person-1", wrapped); err == nil {
		t.Fatal("the deleted person's old wrapped key still opens")
	}
	keys, _ := os.ReadFile(filepath.Join(svc.dir, fileWrapKeys))
	if len(keys) != 4+vaultKeySize {
		t.Fatalf("the key file holds %d bytes after the deletion, want one key", len(keys))
	}
	for _, id := range []string{"person-1", "nobody"} { // deleted, unknown
		if err := svc.admin.call(t.Context(), "DELETE", "/manage/users/"+id, nil, nil); err == nil {
			t.Fatalf("deleting %s again succeeded", id)
		}
	}
	if again, _ := os.ReadFile(filepath.Join(svc.dir, fileWrapKeys)); !bytes.Equal(again, keys) {
		t.Fatal("a refused deletion replaced the wrapping key")
	}

	rb := newReader(t, svc, "")
	rb.activate(svc.qrToken(b))
	raw := rb.rawGallery(svc)
	if bytes.Contains(raw, []byte(base64.StdEncoding.EncodeToString(gone))) || bytes.Contains(raw, []byte("12:3456")) {
		t.Fatalf("a reader syncing from cursor 0 receives the deleted person: %s", raw)
	}
	var ch api.GalleryChanges
	if err := json.Unmarshal(raw, &ch); err != nil {
		t.Fatal(err)
	}
	if len(ch.Added) != 1 || ch.Added[0].ID != "person-2" || !bytes.Equal(ch.Added[0].Templates[0], kept) {
		t.Fatalf("gallery from cursor 0: %+v", ch.Added)
	}
	rb.mustRound()
	if _, err := rb.db.GetProfile("person-2"); err != nil {
		t.Fatalf("the remaining person did not reach the new reader: %v", err)
	}
}

// TestKeyReplacementFinishesAfterCrash: a start that finds a replacement
// of the wrapping key half done (the new key written, the database not yet
// re-wrapped) finishes it; everyone's templates still open.
func TestKeyReplacementFinishesAfterCrash(t *testing.T) {
	svc := startService(t, "", "")
	_, a := svc.door("", "Desk")
	r := newReader(t, svc, "")
	r.activate(svc.qrToken(a))
	kept := r.enroll("person-2", "12:7890", 2)
	svc.stop()
	v := &vault{path: filepath.Join(svc.dir, fileWrapKeys)}
	old, err := os.ReadFile(v.path)
	if err != nil {
		t.Fatal(err)
	}
	nk, err := newWrapKey()
	if err != nil {
		t.Fatal(err)
	}
	crashed := append(binary4(nk.id), nk.key[:]...)
	if err := os.WriteFile(v.path, append(crashed, old...), 0o600); err != nil {
		t.Fatal(err)
	}
	svc = startService(t, svc.dir, svc.addr)
	if keys, _ := os.ReadFile(v.path); !bytes.Equal(keys, crashed) {
		t.Fatal("the start did not finish the replacement: the old key is still kept")
	}
	r2 := newReader(t, svc, "")
	_, b := svc.door("", "Gate")
	r2.activate(svc.qrToken(b))
	var ch api.GalleryChanges
	_ = json.Unmarshal(r.rawGallery(svc), &ch)
	if len(ch.Added) != 1 || !bytes.Equal(ch.Added[0].Templates[0], kept) {
		t.Fatalf("after the finished replacement the gallery holds %+v", ch.Added)
	}
}

func binary4(id uint32) []byte {
	return []byte{byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
}

// TestLegacyTemplatesSealedOnStart: a database from before the vault, with
// templates in profiles and in the gallery log, is sealed and compacted at
// start: the file no longer holds them, and readers still get them.
func TestLegacyTemplatesSealedOnStart(t *testing.T) {
	svc := startService(t, "", "")
	siteID, a := svc.door("", "Desk")
	r := newReader(t, svc, "")
	r.activate(svc.qrToken(a))
	svc.stop()
	tmpl := bytes.Repeat([]byte("LEGACY-TEMPLATE!"), 34)
	d, err := openDB(filepath.Join(svc.dir, "devcloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	legacy := api.Profile{ID: "old-1", Badge: "1:1", Templates: [][]byte{tmpl}}
	err = d.b.Update(func(tx *bolt.Tx) error {
		p := profile{Profile: legacy, Site: siteID, Status: "ACTIVE", Created: time.Now()}
		if err := put(tx, bProfiles, p.ID, p); err != nil {
			return err
		}
		_, err := appendSeq(tx, bGallery, galleryChange{Site: siteID, LegacyAdded: &legacy})
		return err
	})
	d.b.Close()
	if err != nil {
		t.Fatal(err)
	}
	svc = startService(t, svc.dir, svc.addr)
	if svc.dbHolds(tmpl) {
		t.Fatal("legacy templates are still in the database file")
	}
	var ch api.GalleryChanges
	_ = json.Unmarshal(r.rawGallery(svc), &ch)
	if len(ch.Added) != 1 || !bytes.Equal(ch.Added[0].Templates[0], tmpl) {
		t.Fatalf("legacy person in the gallery: %+v", ch.Added)
	}
}
