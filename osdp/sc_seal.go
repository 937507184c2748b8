package osdp

import (
	"crypto/subtle"
	"fmt"
)

// macIV returns the chain value used as the MAC IV for a message sent by
// the given side: commands chain on the last reply MAC, replies on the
// last command MAC. The encryption IV is its complement.
func (s *Session) macIV(fromCP bool) [KeySize]byte {
	if fromCP {
		return s.rmac
	}
	return s.cmac
}

func (s *Session) setMAC(fromCP bool, mac [KeySize]byte) {
	if fromCP {
		s.cmac = mac
	} else {
		s.rmac = mac
	}
}

// Seal secures an outgoing packet in place. Sealing again without an Open
// in between (a CP retransmitting after a timeout) is allowed: with data it encrypts Data and
// uses SCS_17 (CP) or SCS_18 (PD), without data SCS_15/SCS_16; then it
// sets SCB and MAC and advances the MAC chain. Addr, Seq, UseCRC and
// Reply must already be final: the MAC covers the header.
func (s *Session) Seal(p *Packet) error {
	if !s.established {
		return ErrNoSession
	}
	fromCP := s.role == RoleCP
	iv := s.macIV(fromCP)
	scs, data := SCS15, p.Data
	if len(p.Data) > 0 {
		scs, data = SCS17, EncryptData(s.keys, complement(iv), p.Data)
	}
	if !fromCP {
		scs++ // SCS_16 / SCS_18
	}
	sealed := *p
	sealed.SCB, sealed.Data = []byte{2, scs}, data
	sealed.MAC = make([]byte, MACSize) // placeholder so validate sees the final size
	if err := sealed.validate(); err != nil {
		return fmt.Errorf("osdp: sc: seal: %w", err)
	}
	*p = sealed
	mac := ComputeMAC(s.keys, iv, appendBody(nil, p, MACSize))
	copy(p.MAC, mac[:MACSize])
	s.setMAC(fromCP, mac)
	s.sentLast = true
	return nil
}

// Open verifies an incoming secured packet and decrypts its data in place
// (Data becomes plaintext; SCB and MAC are kept). Messages must alternate:
// Open after Open returns ErrReplay. On any error the session
// state is unchanged, so a tampered or replayed packet can be NAKed and
// the chain continues with the next genuine one. A packet without SCB
// returns ErrSCBType: the caller decides whether plaintext is allowed.
func (s *Session) Open(p *Packet) error {
	if !s.established {
		return ErrNoSession
	}
	if !s.sentLast {
		return ErrReplay
	}
	fromCP := s.role == RolePD // we open what the other side sent
	want := SCS15
	if !fromCP {
		want = SCS16
	}
	t := p.SCBType()
	if len(p.SCB) != 2 || (t != want && t != want+2) {
		return fmt.Errorf("%w: % X", ErrSCBType, p.SCB)
	}
	if len(p.MAC) != MACSize {
		return ErrMAC
	}
	iv := s.macIV(fromCP)
	mac := ComputeMAC(s.keys, iv, appendBody(nil, p, MACSize))
	if subtle.ConstantTimeCompare(mac[:MACSize], p.MAC) != 1 {
		return ErrMAC
	}
	if t == want+2 {
		plain, err := DecryptData(s.keys, complement(iv), p.Data)
		if err != nil {
			return fmt.Errorf("osdp: sc: open: %w", err)
		}
		p.Data = plain
	}
	s.setMAC(fromCP, mac)
	s.sentLast = false
	return nil
}
