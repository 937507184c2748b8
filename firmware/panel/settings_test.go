package panel_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/store"
)

// TestFollowService: the service's address and speed are taken; a panel's
// COMSET afterwards stands until the service asks for something new, also
// across a restart (the same configuration applied again at boot).
func TestFollowService(t *testing.T) {
	db := openDB(t)
	s, err := panel.LoadSettings(db)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name       string
		do         func() error
		addr       byte
		baud       uint32
		reloadFrom bool
	}{
		{"configuration", func() error { return s.FollowService(panel.Com{Address: 5, Baud: 19200}) }, 5, 19200, false},
		{"panel COMSET", func() error { return s.SetCom(7, 38400) }, 7, 38400, false},
		{"the same again at boot", func() error { return s.FollowService(panel.Com{Address: 5, Baud: 19200}) }, 7, 38400, true},
		{"a new address", func() error { return s.FollowService(panel.Com{Address: 9, Baud: 9600}) }, 9, 9600, true},
	}
	for _, st := range steps {
		if st.reloadFrom {
			if s, err = panel.LoadSettings(db); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.do(); err != nil {
			t.Fatal(err)
		}
		if got := s.OSDP(); got.Address != st.addr || got.Baud != st.baud {
			t.Fatalf("%s: address %d baud %d, want %d %d", st.name, got.Address, got.Baud, st.addr, st.baud)
		}
	}
}

// TestKeyIsSealed: the Secure Channel key a panel installed is not in the
// state file, in any encoding, and comes back after a restart.
func TestKeyIsSealed(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := panel.LoadSettings(db)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("SCBK-of-a-reader") // 16 bytes
	if err := s.SetKey(key); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := os.ReadFile(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []string{string(key), base64.StdEncoding.EncodeToString(key), hex.EncodeToString(key)} {
		if bytes.Contains(raw, []byte(enc)) {
			t.Fatalf("the key is in the state file as %q", enc)
		}
	}
	if db, err = store.Open(dir); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if s, err = panel.LoadSettings(db); err != nil || !bytes.Equal(s.OSDP().SCBK, key) || s.OSDP().InstallMode {
		t.Fatalf("after a restart: %+v %v", s.OSDP(), err)
	}
}
