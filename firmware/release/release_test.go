package release

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
)

func testKey(t testing.TB, seed byte) ed25519.PrivateKey {
	t.Helper()
	s := make([]byte, ed25519.SeedSize)
	s[0] = seed
	return ed25519.NewKeyFromSeed(s)
}

var good = Manifest{Product: "palmd", Version: "1.2.0", Arch: "arm64", SHA256: strings.Repeat("ab", 32), Size: 1234}

func TestSignVerify(t *testing.T) {
	key := testKey(t, 1)
	signed, err := Sign(good, key)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Verify(signed, key.Public().(ed25519.PublicKey))
	if err != nil || m != good {
		t.Fatalf("Verify = %+v, %v", m, err)
	}
	other := testKey(t, 2).Public().(ed25519.PublicKey)
	flip := []byte(signed)
	flip[len(prefix)+3] ^= 1
	tests := []struct {
		name   string
		signed string
		key    ed25519.PublicKey
		want   error
	}{
		{"another key", signed, other, ErrForged},
		{"a changed byte", string(flip), key.Public().(ed25519.PublicKey), ErrForged},
		{"no prefix", strings.TrimPrefix(signed, prefix), key.Public().(ed25519.PublicKey), ErrGarbled},
		{"an activation code", "PALMD1." + signed[len(prefix):], key.Public().(ed25519.PublicKey), ErrGarbled},
		{"cut short", signed[:len(signed)-10], key.Public().(ed25519.PublicKey), ErrGarbled},
		{"empty", "", key.Public().(ed25519.PublicKey), ErrGarbled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Verify(tc.signed, tc.key); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestSignRefusesBadManifests: the service cannot publish what readers
// would refuse.
func TestSignRefusesBadManifests(t *testing.T) {
	key := testKey(t, 1)
	for name, mod := range map[string]func(*Manifest){
		"other product": func(m *Manifest) { m.Product = "other" },
		"path version":  func(m *Manifest) { m.Version = "../../etc" },
		"no arch":       func(m *Manifest) { m.Arch = "" },
		"empty":         func(m *Manifest) { m.Size = 0 },
		"huge":          func(m *Manifest) { m.Size = MaxSize + 1 },
		"short hash":    func(m *Manifest) { m.SHA256 = "abcd" },
	} {
		m := good
		mod(&m)
		if _, err := Sign(m, key); err == nil {
			t.Errorf("%s: signed", name)
		}
	}
}

func FuzzVerify(f *testing.F) {
	key := testKey(f, 1)
	signed, _ := Sign(good, key)
	f.Add(signed)
	f.Add("PALMDREL1..")
	f.Add("PALMDREL1.e30.AAAA")
	pub := key.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Verify(s, pub)
		if err == nil && m.check() != nil {
			t.Fatalf("verified a manifest that fails its own checks: %+v", m)
		}
	})
}

func TestOlder(t *testing.T) {
	for _, tt := range []struct {
		a, b  string
		older bool
		bad   bool
	}{
		{"0.1.5", "0.2.0", true, false},
		{"0.2.0", "0.1.5", false, false},
		{"v1.10.0", "1.9.0", false, false},
		{"1.0.0-rc1", "1.0.0", true, false},
		{"2.0.0", "2.0.0", false, false},
		{"latest", "1.0.0", false, true},
		{"1.0.0", "dev", false, true},
	} {
		older, err := Older(tt.a, tt.b)
		if older != tt.older || (err != nil) != tt.bad {
			t.Errorf("Older(%q, %q) = %v, %v", tt.a, tt.b, older, err)
		}
	}
}
