package panel_test

import (
	"testing"

	"github.com/palmd/palmd/firmware/panel"
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
