package osdp

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"testing"
)

var (
	testRndA = [8]byte{0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7}
	testRndB = [8]byte{0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7}
	testCUID = [8]byte{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07}
)

// TestDeriveSessionKeysLayout checks the derivation inputs against the
// OSDP 2.2 Annex D layout by decrypting the derived keys with the SCBK.
func TestDeriveSessionKeysLayout(t *testing.T) {
	k, err := DeriveSessionKeys(SCBKD[:], testRndA)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := aes.NewCipher(SCBKD[:])
	for _, tt := range []struct {
		name string
		key  [16]byte
		kind byte
	}{{"S-ENC", k.SEnc, 0x82}, {"S-MAC1", k.SMAC1, 0x01}, {"S-MAC2", k.SMAC2, 0x02}} {
		var plain [16]byte
		c.Decrypt(plain[:], tt.key[:])
		want := append([]byte{0x01, tt.kind}, testRndA[:6]...)
		want = append(want, make([]byte, 8)...)
		if !bytes.Equal(plain[:], want) {
			t.Errorf("%s input % X, want % X", tt.name, plain, want)
		}
	}
	if _, err := DeriveSessionKeys(make([]byte, 15), testRndA); !errors.Is(err, ErrKeySize) {
		t.Fatalf("short key: %v", err)
	}
}

func TestDeriveSCBK(t *testing.T) {
	mk := bytes.Repeat([]byte{0x11}, 16)
	k, err := DeriveSCBK(mk, testCUID)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := aes.NewCipher(mk)
	var plain [16]byte
	c.Decrypt(plain[:], k[:])
	for i := range 8 {
		if plain[i] != testCUID[i] || plain[8+i] != ^testCUID[i] {
			t.Fatalf("SCBK input % X", plain)
		}
	}
	if _, err := DeriveSCBK(mk[:4], testCUID); !errors.Is(err, ErrKeySize) {
		t.Fatalf("short master key: %v", err)
	}
}

func TestSealTooLargeLeavesPacket(t *testing.T) {
	cp, _ := NewSession(RoleCP, nil)
	pd, _ := NewSession(RolePD, nil)
	handshake(t, cp, pd)
	data := make([]byte, MaxPacketSize-10) // fits plain, not once padded and MACed
	p := Packet{Addr: 1, UseCRC: true, Code: CmdMFG, Data: data}
	if err := cp.Seal(&p); !errors.Is(err, ErrLength) {
		t.Fatalf("oversize seal: %v", err)
	}
	if p.SCB != nil || p.MAC != nil || len(p.Data) != len(data) {
		t.Fatal("failed Seal modified the packet")
	}
}

// TestComputeMACIndependent compares ComputeMAC with a CBC-MAC built from
// crypto/cipher's CBC mode: S-MAC1 over all blocks but the last, S-MAC2
// over the last.
func TestComputeMACIndependent(t *testing.T) {
	k, _ := DeriveSessionKeys(SCBKD[:], testRndA)
	iv := [16]byte{0xFF, 1, 2}
	for _, n := range []int{1, 10, 15, 16, 17, 31, 32, 33, 100} {
		msg := bytes.Repeat([]byte{0x5A}, n)
		padded := append([]byte(nil), msg...)
		if n%16 != 0 {
			padded = append(padded, 0x80)
			for len(padded)%16 != 0 {
				padded = append(padded, 0)
			}
		}
		last := iv[:]
		if len(padded) > 16 {
			c1, _ := aes.NewCipher(k.SMAC1[:])
			out := make([]byte, len(padded)-16)
			cipher.NewCBCEncrypter(c1, iv[:]).CryptBlocks(out, padded[:len(padded)-16])
			last = out[len(out)-16:]
		}
		c2, _ := aes.NewCipher(k.SMAC2[:])
		want := make([]byte, 16)
		cipher.NewCBCEncrypter(c2, last).CryptBlocks(want, padded[len(padded)-16:])
		if got := ComputeMAC(k, iv, msg); !bytes.Equal(got[:], want) {
			t.Errorf("len %d: MAC % X, want % X", n, got, want)
		}
	}
}

func TestEncryptDecryptData(t *testing.T) {
	k, _ := DeriveSessionKeys(SCBKD[:], testRndA)
	iv := [16]byte{7}
	for _, n := range []int{0, 1, 15, 16, 17, 64} {
		plain := bytes.Repeat([]byte{byte(n)}, n)
		enc := EncryptData(k, iv, plain)
		if len(enc)%16 != 0 || len(enc) <= n {
			t.Fatalf("len %d: ciphertext %d bytes", n, len(enc))
		}
		got, err := DecryptData(k, iv, enc)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("len %d: got % X, %v", n, got, err)
		}
	}
	if _, err := DecryptData(k, iv, make([]byte, 15)); !errors.Is(err, ErrPadding) {
		t.Fatalf("partial block: %v", err)
	}
	enc := EncryptData(k, iv, []byte("x"))
	if got, err := DecryptData(k, [16]byte{8}, enc); err == nil && bytes.Equal(got, []byte("x")) {
		t.Fatal("wrong IV decrypted to the plaintext")
	}
}

// handshake runs the four-message handshake between a CP and a PD session
// through real frame encoding.
func handshake(t testing.TB, cp, pd *Session) {
	t.Helper()
	wire := func(p *Packet, reply bool) *Packet {
		p.Addr, p.UseCRC, p.Reply = 1, true, reply
		b, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParsePacket(b)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	var chlng, ccrypt, scrypt, rmaci Packet
	if err := cp.Challenge(&chlng, testRndA); err != nil {
		t.Fatal(err)
	}
	if err := pd.AnswerChallenge(wire(&chlng, false), &ccrypt, testCUID, testRndB); err != nil {
		t.Fatal(err)
	}
	if err := cp.AnswerCCRYPT(wire(&ccrypt, true), &scrypt); err != nil {
		t.Fatal(err)
	}
	if err := pd.AnswerSCRYPT(wire(&scrypt, false), &rmaci); err != nil {
		t.Fatal(err)
	}
	if err := cp.FinishRMACI(wire(&rmaci, true)); err != nil {
		t.Fatal(err)
	}
	if !cp.Established() || !pd.Established() {
		t.Fatal("not established")
	}
}

func sealWire(t *testing.T, s *Session, p Packet) []byte {
	t.Helper()
	if err := s.Seal(&p); err != nil {
		t.Fatal(err)
	}
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openWire(s *Session, b []byte) (*Packet, error) {
	p, err := ParsePacket(b)
	if err != nil {
		return nil, err
	}
	return p, s.Open(p)
}

func TestSessionHandshakeAndTraffic(t *testing.T) {
	for _, key := range [][]byte{nil, bytes.Repeat([]byte{0x42}, 16)} {
		cp, _ := NewSession(RoleCP, key)
		pd, _ := NewSession(RolePD, key)
		handshake(t, cp, pd)
		for i := range 10 {
			cmd := Packet{Addr: 1, Seq: byte(i%3 + 1), UseCRC: true, Code: CmdLED, Data: bytes.Repeat([]byte{byte(i)}, i*3)}
			if i%2 == 0 {
				cmd.Code, cmd.Data = CmdPOLL, nil
			}
			b := sealWire(t, cp, cmd)
			got, err := openWire(pd, b)
			if err != nil {
				t.Fatalf("cmd %d: %v", i, err)
			}
			if got.Code != cmd.Code || !bytes.Equal(got.Data, cmd.Data) {
				t.Fatalf("cmd %d: data % X, want % X", i, got.Data, cmd.Data)
			}
			if cmd.Data != nil && bytes.Contains(b, cmd.Data) && len(cmd.Data) > 4 {
				t.Fatalf("cmd %d: plaintext visible on the wire", i)
			}
			wantSCS := SCS15
			if len(cmd.Data) > 0 {
				wantSCS = SCS17
			}
			if got.SCBType() != wantSCS {
				t.Fatalf("cmd %d: SCB type %#x, want %#x", i, got.SCBType(), wantSCS)
			}
			reply := Packet{Addr: 1, Reply: true, Seq: cmd.Seq, UseCRC: true, Code: ReplyRAW, Data: []byte{0, 1, 26, 0, 1, 2, 3, 4}}
			rb := sealWire(t, pd, reply)
			rgot, err := openWire(cp, rb)
			if err != nil {
				t.Fatalf("reply %d: %v", i, err)
			}
			if !bytes.Equal(rgot.Data, reply.Data) || rgot.SCBType() != SCS18 {
				t.Fatalf("reply %d: % X scb %#x", i, rgot.Data, rgot.SCBType())
			}
			// Replaying either message fails: the MAC chain has moved on.
			if _, err := openWire(pd, b); !errors.Is(err, ErrMAC) {
				t.Fatalf("replayed command: %v", err)
			}
			if _, err := openWire(cp, rb); !errors.Is(err, ErrReplay) {
				t.Fatalf("replayed reply: %v", err)
			}
		}
	}
}

func TestSessionRejectsTampering(t *testing.T) {
	cp, _ := NewSession(RoleCP, nil)
	pd, _ := NewSession(RolePD, nil)
	handshake(t, cp, pd)
	b := sealWire(t, cp, Packet{Addr: 1, Seq: 1, UseCRC: true, Code: CmdOUT, Data: []byte{0, 2, 0, 0}})
	for _, pos := range []int{1, 4, 7, len(b) - 4} { // addr, ctrl, code/data, MAC
		bad := append([]byte(nil), b...)
		bad[pos] ^= 0x01
		c := CRC16(bad[:len(bad)-2])
		bad[len(bad)-2], bad[len(bad)-1] = byte(c), byte(c>>8)
		if _, err := openWire(pd, bad); err == nil {
			t.Fatalf("tampered byte %d accepted", pos)
		}
	}
	// A failed Open leaves the chain intact: the genuine packet still opens.
	if _, err := openWire(pd, b); err != nil {
		t.Fatalf("genuine packet after tampering: %v", err)
	}
	// The same command again, before the PD replied, is a replay.
	if _, err := openWire(pd, b); !errors.Is(err, ErrReplay) {
		t.Fatalf("immediate replay: %v", err)
	}
	_ = sealWire(t, pd, Packet{Addr: 1, Reply: true, UseCRC: true, Code: ReplyACK})
	// A replay after the reply fails on the moved MAC chain.
	if _, err := openWire(pd, b); !errors.Is(err, ErrMAC) {
		t.Fatalf("late replay: %v", err)
	}
	// A plaintext packet is refused by an established session.
	if err := pd.Open(&Packet{Code: CmdPOLL}); !errors.Is(err, ErrSCBType) {
		t.Fatalf("plaintext: %v", err)
	}
}

func TestSessionHandshakeFailures(t *testing.T) {
	// Different keys: the CP must reject the client cryptogram.
	cp, _ := NewSession(RoleCP, bytes.Repeat([]byte{1}, 16))
	pd, _ := NewSession(RolePD, bytes.Repeat([]byte{2}, 16))
	var chlng, ccrypt, scrypt Packet
	_ = cp.Challenge(&chlng, testRndA)
	if err := pd.AnswerChallenge(&chlng, &ccrypt, testCUID, testRndB); err != nil {
		t.Fatal(err)
	}
	if err := cp.AnswerCCRYPT(&ccrypt, &scrypt); !errors.Is(err, ErrCryptogram) {
		t.Fatalf("wrong key: %v", err)
	}
	// Key type mismatch: the CP asks for SCBK-D, the PD has its own SCBK.
	cpd, _ := NewSession(RoleCP, nil)
	_ = cpd.Challenge(&chlng, testRndA)
	if err := pd.AnswerChallenge(&chlng, &ccrypt, testCUID, testRndB); !errors.Is(err, ErrKeyType) {
		t.Fatalf("key type: %v", err)
	}
	// Out of order and before establishment.
	if err := cp.FinishRMACI(&Packet{}); !errors.Is(err, ErrHandshake) {
		t.Fatalf("out of order: %v", err)
	}
	if err := cp.Seal(&Packet{}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("seal before handshake: %v", err)
	}
	if _, err := NewSession(RolePD, make([]byte, 8)); !errors.Is(err, ErrKeySize) {
		t.Fatalf("key size: %v", err)
	}
	// Forged server cryptogram is rejected by the PD.
	cp2, _ := NewSession(RoleCP, nil)
	pd2, _ := NewSession(RolePD, nil)
	var rmaci Packet
	_ = cp2.Challenge(&chlng, testRndA)
	_ = pd2.AnswerChallenge(&chlng, &ccrypt, testCUID, testRndB)
	_ = cp2.AnswerCCRYPT(&ccrypt, &scrypt)
	scrypt.Data[0] ^= 1
	if err := pd2.AnswerSCRYPT(&scrypt, &rmaci); !errors.Is(err, ErrCryptogram) || pd2.Established() {
		t.Fatalf("forged SCRYPT: %v", err)
	}
}
