package activation

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func testKey(t testing.TB, seed byte) (ed25519.PublicKey, ed25519.PrivateKey) {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	if seed != 0 {
		s := make([]byte, ed25519.SeedSize)
		s[0] = seed
		priv = ed25519.NewKeyFromSeed(s)
	}
	return priv.Public().(ed25519.PublicKey), priv
}

var now = time.Unix(1_800_000_000, 0)

func payload() Payload {
	return Payload{
		Service: "https://127.0.0.1:8443", Instance: "inst-1", Site: "site-1",
		Secret: base64.RawURLEncoding.EncodeToString(make([]byte, 32)), Expires: now.Add(time.Hour).Unix(),
	}
}

func TestVerify(t *testing.T) {
	pub, priv := testKey(t, 0)
	_, other := testKey(t, 9)
	good, err := Mint(payload(), priv)
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := Mint(payload(), other)
	expired := payload()
	expired.Expires = now.Unix()
	old, _ := Mint(expired, priv)
	tampered := strings.Replace(good, good[10:14], "AAAA", 1)
	for _, tc := range []struct {
		name  string
		token string
		want  error
	}{
		{"good", good, nil},
		{"good with whitespace", " " + good + "\n", nil},
		{"forged", forged, ErrForged},
		{"expired", old, ErrExpired},
		{"tampered payload", tampered, ErrForged},
		{"empty", "", ErrGarbled},
		{"a URL", "https://example.com/", ErrGarbled},
		{"truncated", good[:len(good)-20], ErrGarbled},
		{"no signature", good[:strings.LastIndexByte(good, '.')], ErrGarbled},
		{"too long", "PALMD1." + strings.Repeat("A", 4000), ErrGarbled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Verify(tc.token, pub, now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if tc.want == nil && p != payload() {
				t.Fatalf("payload %+v", p)
			}
		})
	}
}

func TestMintRejectsBadPayload(t *testing.T) {
	_, priv := testKey(t, 0)
	for _, mut := range []func(*Payload){
		func(p *Payload) { p.Service = "http://127.0.0.1" },
		func(p *Payload) { p.Instance = "" },
		func(p *Payload) { p.Secret = "c2hvcnQ" },
		func(p *Payload) { p.Expires = 0 },
	} {
		p := payload()
		mut(&p)
		if _, err := Mint(p, priv); !errors.Is(err, ErrGarbled) {
			t.Errorf("Mint(%+v) err %v", p, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	pub, priv := testKey(f, 0)
	good, _ := Mint(payload(), priv)
	f.Add(good)
	f.Add("PALMD1.e30.AAAA")
	f.Fuzz(func(t *testing.T, token string) {
		p, err := Verify(token, pub, now)
		if err == nil && (p.Instance == "" || !strings.HasPrefix(p.Service, "https://")) {
			t.Fatalf("accepted an invalid payload %+v", p)
		}
	})
}
