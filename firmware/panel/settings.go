package panel

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/palmd/palmd/firmware/store"
)

// KV is the persistent store the settings live in (firmware/store.DB):
// sealed, since they hold the Secure Channel key.
type KV interface {
	PutSecret(name string, value []byte) error
	GetSecret(name string) ([]byte, error)
}

// OSDPSettings are the link settings a panel may change over the wire.
type OSDPSettings struct {
	Address     byte   `json:"address"`
	Baud        uint32 `json:"baud"`
	SCBK        []byte `json:"scbk,omitempty"`
	InstallMode bool   `json:"install_mode"`
	// Followed is the address and speed the service's configuration last
	// gave (FollowService).
	Followed *Com `json:"followed,omitempty"`
}

// Com is an OSDP address and speed.
type Com struct {
	Address byte   `json:"address"`
	Baud    uint32 `json:"baud"`
}

// DefaultOSDP is a reader out of the box: address 0, 9600 baud, no key,
// install mode on so the panel can set one.
var DefaultOSDP = OSDPSettings{Address: 0, Baud: 9600, InstallMode: true}

const osdpKey = "panel/osdp"

// Settings persists OSDPSettings; changes are written before they apply.
type Settings struct {
	kv KV
	mu sync.Mutex
	v  OSDPSettings
}

// LoadSettings reads the stored settings, or the defaults on first start.
func LoadSettings(kv KV) (*Settings, error) {
	s := &Settings{kv: kv, v: DefaultOSDP}
	b, err := kv.GetSecret(osdpKey)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("panel: settings: %w", err)
	}
	if err := json.Unmarshal(b, &s.v); err != nil {
		return nil, fmt.Errorf("panel: settings: stored value is corrupt: %w", err)
	}
	return s, nil
}

// OSDP returns a copy of the current settings.
func (s *Settings) OSDP() OSDPSettings {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.v
	if v.Followed != nil {
		c := *v.Followed
		v.Followed = &c
	}
	v.SCBK = append([]byte(nil), s.v.SCBK...)
	if len(v.SCBK) == 0 {
		v.SCBK = nil
	}
	return v
}

// SetKey stores a new Secure Channel key and ends install mode.
func (s *Settings) SetKey(k []byte) error {
	return s.update(func(v *OSDPSettings) { v.SCBK, v.InstallMode = append([]byte(nil), k...), false })
}

// SetCom stores a new address and speed.
func (s *Settings) SetCom(addr byte, baud uint32) error {
	return s.update(func(v *OSDPSettings) { v.Address, v.Baud = addr, baud })
}

// FollowService takes an address and speed from the service's
// configuration when they differ from what it gave last: a panel's COMSET
// since then stands until the service asks for something new.
func (s *Settings) FollowService(c Com) error {
	return s.update(func(o *OSDPSettings) {
		if o.Followed == nil || *o.Followed != c {
			o.Address, o.Baud, o.Followed = c.Address, c.Baud, &c
		}
	})
}

// Following is the address and speed the link uses once c is followed.
func (s *Settings) Following(c Com) Com {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.v.Followed == nil || *s.v.Followed != c {
		return c
	}
	return Com{s.v.Address, s.v.Baud}
}

func (s *Settings) update(f func(*OSDPSettings)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.v
	f(&next)
	b, err := json.Marshal(next)
	if err != nil {
		return err
	}
	if err := s.kv.PutSecret(osdpKey, b); err != nil {
		return fmt.Errorf("panel: settings: %w", err)
	}
	s.v = next
	return nil
}
