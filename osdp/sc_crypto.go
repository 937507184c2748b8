package osdp

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
)

// Security block types (OSDP 2.2 Annex D).
const (
	SCS11 byte = 0x11 // CP->PD osdp_CHLNG
	SCS12 byte = 0x12 // PD->CP osdp_CCRYPT
	SCS13 byte = 0x13 // CP->PD osdp_SCRYPT
	SCS14 byte = 0x14 // PD->CP osdp_RMAC_I
	SCS15 byte = 0x15 // CP->PD, MAC, data not encrypted
	SCS16 byte = 0x16 // PD->CP, MAC, data not encrypted
	SCS17 byte = 0x17 // CP->PD, MAC, data encrypted
	SCS18 byte = 0x18 // PD->CP, MAC, data encrypted
)

// Key type byte carried in the SCS_11..SCS_13 security blocks.
const (
	KeyTypeSCBKD byte = 0x00 // default key, install mode only
	KeyTypeSCBK  byte = 0x01 // the PD's own secure channel base key
)

// KeySize is the size of every Secure Channel key and cryptogram.
const KeySize = 16

// SCBKD is the well-known default Secure Channel Base Key (0x30..0x3F).
var SCBKD = [KeySize]byte{
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
}

// Secure Channel errors.
var (
	ErrKeySize     = errors.New("osdp: sc: key must be 16 bytes")
	ErrCryptogram  = errors.New("osdp: sc: cryptogram mismatch")
	ErrMAC         = errors.New("osdp: sc: MAC mismatch")
	ErrPadding     = errors.New("osdp: sc: bad padding")
	ErrNoSession   = errors.New("osdp: sc: secure channel not established")
	ErrSCBType     = errors.New("osdp: sc: unexpected security block")
	ErrHandshake   = errors.New("osdp: sc: handshake out of order")
	ErrKeyType     = errors.New("osdp: sc: key type mismatch")
	ErrNotAccepted = errors.New("osdp: sc: PD rejected the server cryptogram")
	ErrReplay      = errors.New("osdp: sc: message does not answer one we sent (replay)")
)

// DeriveSCBK computes a PD's Secure Channel Base Key from a master key
// and the PD's client UID: AES-128-ECB(MK, cUID || ^cUID).
func DeriveSCBK(masterKey []byte, cUID [8]byte) ([KeySize]byte, error) {
	var in, out [KeySize]byte
	if len(masterKey) != KeySize {
		return out, ErrKeySize
	}
	copy(in[:], cUID[:])
	for i := range 8 {
		in[8+i] = ^cUID[i]
	}
	c, err := aes.NewCipher(masterKey)
	if err != nil {
		return out, fmt.Errorf("osdp: sc: %w", err)
	}
	c.Encrypt(out[:], in[:])
	return out, nil
}

// SessionKeys are the per-session keys derived from the SCBK and RND.A.
type SessionKeys struct {
	SEnc, SMAC1, SMAC2 [KeySize]byte
}

// DeriveSessionKeys derives S-ENC, S-MAC1 and S-MAC2: each is
// AES-128-ECB(SCBK, 0x01 || k || RND.A[0:6] || 0x00*8) with k = 0x82,
// 0x01, 0x02 respectively.
func DeriveSessionKeys(scbk []byte, rndA [8]byte) (SessionKeys, error) {
	var k SessionKeys
	if len(scbk) != KeySize {
		return k, ErrKeySize
	}
	c, err := aes.NewCipher(scbk)
	if err != nil {
		return k, fmt.Errorf("osdp: sc: %w", err)
	}
	derive := func(dst *[KeySize]byte, kind byte) {
		var in [KeySize]byte
		in[0], in[1] = 0x01, kind
		copy(in[2:8], rndA[:6])
		c.Encrypt(dst[:], in[:])
	}
	derive(&k.SEnc, 0x82)
	derive(&k.SMAC1, 0x01)
	derive(&k.SMAC2, 0x02)
	return k, nil
}

func ecb(key [KeySize]byte, a, b []byte) [KeySize]byte {
	c, _ := aes.NewCipher(key[:]) // a 16-byte key never fails
	var in, out [KeySize]byte
	copy(in[:], a)
	copy(in[len(a):], b)
	c.Encrypt(out[:], in[:])
	return out
}

// ClientCryptogram is the PD's proof: AES-ECB(S-ENC, RND.A || RND.B).
func ClientCryptogram(k SessionKeys, rndA, rndB [8]byte) [KeySize]byte {
	return ecb(k.SEnc, rndA[:], rndB[:])
}

// ServerCryptogram is the CP's proof: AES-ECB(S-ENC, RND.B || RND.A).
func ServerCryptogram(k SessionKeys, rndA, rndB [8]byte) [KeySize]byte {
	return ecb(k.SEnc, rndB[:], rndA[:])
}

// InitialRMAC computes RMAC_I = AES(S-MAC2, AES(S-MAC1, server cryptogram)),
// the first IV of the MAC chain.
func InitialRMAC(k SessionKeys, serverCryptogram [KeySize]byte) [KeySize]byte {
	t := ecb(k.SMAC1, serverCryptogram[:], nil)
	return ecb(k.SMAC2, t[:], nil)
}

// ComputeMAC is the Secure Channel CBC-MAC of msg: msg is padded with
// 0x80 0x00.. to a multiple of 16 when it is not one already; every block
// but the last is chained with S-MAC1, the last with S-MAC2; iv is the
// previous MAC of the other direction.
func ComputeMAC(k SessionKeys, iv [KeySize]byte, msg []byte) [KeySize]byte {
	padded := msg
	if len(msg)%KeySize != 0 || len(msg) == 0 {
		padded = pad(msg)
	}
	c1, _ := aes.NewCipher(k.SMAC1[:])
	c2, _ := aes.NewCipher(k.SMAC2[:])
	mac := iv
	for i := 0; i < len(padded); i += KeySize {
		for j := range KeySize {
			mac[j] ^= padded[i+j]
		}
		if i+KeySize == len(padded) {
			c2.Encrypt(mac[:], mac[:])
		} else {
			c1.Encrypt(mac[:], mac[:])
		}
	}
	return mac
}

// pad returns a copy of b followed by 0x80 and zeros to a multiple of 16.
func pad(b []byte) []byte {
	n := (len(b)/KeySize + 1) * KeySize
	out := make([]byte, n)
	copy(out, b)
	out[len(b)] = 0x80
	return out
}

func unpad(b []byte) ([]byte, error) {
	for i := len(b) - 1; i >= 0 && i >= len(b)-KeySize; i-- {
		switch b[i] {
		case 0x80:
			return b[:i], nil
		case 0x00:
		default:
			return nil, ErrPadding
		}
	}
	return nil, ErrPadding
}

// EncryptData pads plain (0x80 0x00..) and encrypts it with
// AES-128-CBC(S-ENC); iv is the complement of the other party's last MAC.
func EncryptData(k SessionKeys, iv [KeySize]byte, plain []byte) []byte {
	out := pad(plain)
	c, _ := aes.NewCipher(k.SEnc[:])
	cipher.NewCBCEncrypter(c, iv[:]).CryptBlocks(out, out)
	return out
}

// DecryptData reverses EncryptData. It returns ErrPadding for a
// ciphertext that is not whole blocks or whose padding is wrong.
func DecryptData(k SessionKeys, iv [KeySize]byte, enc []byte) ([]byte, error) {
	if len(enc) == 0 || len(enc)%KeySize != 0 {
		return nil, ErrPadding
	}
	out := make([]byte, len(enc))
	c, _ := aes.NewCipher(k.SEnc[:])
	cipher.NewCBCDecrypter(c, iv[:]).CryptBlocks(out, enc)
	return unpad(out)
}

func complement(b [KeySize]byte) [KeySize]byte {
	for i := range b {
		b[i] = ^b[i]
	}
	return b
}
