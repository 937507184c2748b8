package osdp

import (
	"crypto/subtle"
	"fmt"
)

// Role says which end of the link a Session serves.
type Role int

const (
	// RoleCP is the control panel (the Secure Channel "server").
	RoleCP Role = iota
	// RolePD is the peripheral device (the Secure Channel "client").
	RolePD
)

// Session is one end of a Secure Channel. Both roles share the key
// schedule and the MAC chain; the role only picks which SCB types are sent
// and expected and which MAC is the IV for each direction.
//
// Handshake, CP side: Challenge -> (PD) AnswerChallenge -> AnswerCCRYPT ->
// (PD) AnswerSCRYPT -> FinishRMACI. Afterwards Seal every outgoing packet
// and Open every incoming one, exactly once each: the MAC chain advances on
// every success, so a replayed or reordered packet fails Open. A PD that
// repeats its last reply for a repeated sequence number must resend the
// stored frame, not Seal again. A Session is not safe for concurrent use.
type Session struct {
	role    Role
	scbk    [KeySize]byte
	keyType byte
	keys    SessionKeys

	rndA, rndB [8]byte
	serverCrypt,
	rmacI [KeySize]byte
	step        int // handshake progress, see step* constants
	established bool

	cmac, rmac [KeySize]byte // last full command and reply MACs
	// sentLast is true when our last successful step was sending: only
	// then may a message from the other side be opened. Without it a
	// replayed message would verify, since its IV has not moved yet.
	sentLast bool
}

const (
	stepIdle = iota
	stepChallenged
	stepCryptogram
)

// NewSession returns a Session using scbk, or SCBK-D (install mode) when
// scbk is nil.
func NewSession(role Role, scbk []byte) (*Session, error) {
	s := &Session{role: role, scbk: SCBKD, keyType: KeyTypeSCBKD}
	if scbk != nil {
		if len(scbk) != KeySize {
			return nil, ErrKeySize
		}
		copy(s.scbk[:], scbk)
		s.keyType = KeyTypeSCBK
	}
	return s, nil
}

// Role returns the session's role.
func (s *Session) Role() Role { return s.role }

// UsesDefaultKey reports whether the session runs on SCBK-D.
func (s *Session) UsesDefaultKey() bool { return s.keyType == KeyTypeSCBKD }

// Established reports whether the handshake has completed.
func (s *Session) Established() bool { return s.established }

// Reset drops the session state; the keys stay.
func (s *Session) Reset() {
	*s = Session{role: s.role, scbk: s.scbk, keyType: s.keyType}
}

func (s *Session) expect(in *Packet, code, scs byte, n int) error {
	if in.Code != code || len(in.SCB) != 3 || in.SCB[1] != scs {
		return fmt.Errorf("%w: code 0x%02X scb % X", ErrSCBType, in.Code, in.SCB)
	}
	if len(in.Data) != n {
		return fmt.Errorf("osdp: sc: %s: %w", scsName(scs), errLen(len(in.Data), n))
	}
	return nil
}

func scsName(t byte) string { return fmt.Sprintf("SCS_%X", t) }

// Challenge (CP) starts a handshake: out becomes osdp_CHLNG with SCS_11
// carrying rndA, a fresh random number from the caller.
func (s *Session) Challenge(out *Packet, rndA [8]byte) error {
	if s.role != RoleCP {
		return ErrHandshake
	}
	s.Reset()
	s.rndA = rndA
	s.step = stepChallenged
	out.Code, out.SCB, out.Data, out.MAC = CmdCHLNG, []byte{3, SCS11, s.keyType}, rndA[:], nil
	return nil
}

// AnswerChallenge (PD) handles osdp_CHLNG and fills out with osdp_CCRYPT
// (SCS_12): cUID, rndB (fresh random from the caller), client cryptogram.
// ErrKeyType means the CP asked for a key this PD does not use.
func (s *Session) AnswerChallenge(in, out *Packet, cUID, rndB [8]byte) error {
	if s.role != RolePD {
		return ErrHandshake
	}
	s.Reset()
	if err := s.expect(in, CmdCHLNG, SCS11, 8); err != nil {
		return err
	}
	if in.SCB[2] != s.keyType {
		return ErrKeyType
	}
	copy(s.rndA[:], in.Data)
	s.rndB = rndB
	keys, err := DeriveSessionKeys(s.scbk[:], s.rndA)
	if err != nil {
		return err
	}
	s.keys = keys
	cc := CCRYPT{ClientUID: cUID, RndB: rndB, Cryptogram: ClientCryptogram(keys, s.rndA, rndB)}
	out.Code, out.SCB, out.MAC = ReplyCCRYPT, []byte{3, SCS12, s.keyType}, nil
	out.Data, _ = cc.MarshalBinary()
	s.step = stepChallenged
	return nil
}

// AnswerCCRYPT (CP) verifies the PD's cryptogram and fills out with
// osdp_SCRYPT (SCS_13) carrying the server cryptogram.
func (s *Session) AnswerCCRYPT(in, out *Packet) error {
	if s.role != RoleCP || s.step != stepChallenged {
		return ErrHandshake
	}
	if err := s.expect(in, ReplyCCRYPT, SCS12, 32); err != nil {
		return err
	}
	var cc CCRYPT
	if err := cc.UnmarshalBinary(in.Data); err != nil {
		return err
	}
	keys, err := DeriveSessionKeys(s.scbk[:], s.rndA)
	if err != nil {
		return err
	}
	want := ClientCryptogram(keys, s.rndA, cc.RndB)
	if subtle.ConstantTimeCompare(want[:], cc.Cryptogram[:]) != 1 {
		s.Reset()
		return ErrCryptogram
	}
	s.keys, s.rndB = keys, cc.RndB
	s.serverCrypt = ServerCryptogram(keys, s.rndA, s.rndB)
	s.rmacI = InitialRMAC(keys, s.serverCrypt)
	s.step = stepCryptogram
	out.Code, out.SCB, out.MAC = CmdSCRYPT, []byte{3, SCS13, s.keyType}, nil
	out.Data = append([]byte(nil), s.serverCrypt[:]...)
	return nil
}

// AnswerSCRYPT (PD) verifies the CP's cryptogram and fills out with
// osdp_RMAC_I (SCS_14, accepted) carrying RMAC_I; the session is then
// established. On ErrCryptogram the PD should NAK and stay unsecured.
func (s *Session) AnswerSCRYPT(in, out *Packet) error {
	if s.role != RolePD || s.step != stepChallenged {
		return ErrHandshake
	}
	if err := s.expect(in, CmdSCRYPT, SCS13, KeySize); err != nil {
		return err
	}
	want := ServerCryptogram(s.keys, s.rndA, s.rndB)
	if subtle.ConstantTimeCompare(want[:], in.Data) != 1 {
		s.Reset()
		return ErrCryptogram
	}
	s.rmacI = InitialRMAC(s.keys, want)
	s.rmac = s.rmacI
	s.established = true
	s.sentLast = true // RMAC_I is the PD's last message
	out.Code, out.SCB, out.MAC = ReplyRMACI, []byte{3, SCS14, 0x01}, nil
	out.Data = append([]byte(nil), s.rmacI[:]...)
	return nil
}

// FinishRMACI (CP) checks osdp_RMAC_I and establishes the session.
func (s *Session) FinishRMACI(in *Packet) error {
	if s.role != RoleCP || s.step != stepCryptogram {
		return ErrHandshake
	}
	if err := s.expect(in, ReplyRMACI, SCS14, KeySize); err != nil {
		return err
	}
	if in.SCB[2] != 0x01 {
		s.Reset()
		return ErrNotAccepted
	}
	if subtle.ConstantTimeCompare(s.rmacI[:], in.Data) != 1 {
		s.Reset()
		return ErrCryptogram
	}
	s.rmac = s.rmacI
	s.established = true
	return nil
}
