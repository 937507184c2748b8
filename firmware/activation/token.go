// Package activation reads and writes activation codes: the text in the
// QR code an installer shows a reader. A code names the service and the
// device instance, carries a one-time secret, expires, and is signed with
// the service's activation key (Ed25519), which readers pin. Verify checks
// all of that offline, before the reader makes any network call.
//
// Wire form: "PALMD1." + base64url(JSON payload) + "." + base64url(signature),
// the signature covering everything before the last dot.
package activation

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// prefix marks and versions the format.
const prefix = "PALMD1."

// maxTokenLen bounds what Verify reads: a QR code holds at most 2953 bytes.
const maxTokenLen = 2953

// Errors from Verify; each has its own message on the reader's screen.
var (
	ErrGarbled = errors.New("activation: this is not a readable activation code")
	ErrForged  = errors.New("activation: the code's signature is not the service's")
	ErrExpired = errors.New("activation: the code has expired; create a new one")
)

// Payload is what a code says.
type Payload struct {
	Service  string `json:"svc"`  // base URL of the service, https only
	Instance string `json:"inst"` // device instance ID
	Site     string `json:"site"` // site ID
	Secret   string `json:"sec"`  // one-time secret, base64url, proves the reader saw the code
	Expires  int64  `json:"exp"`  // Unix seconds
}

// Mint signs p with the service's activation key.
func Mint(p Payload, key ed25519.PrivateKey) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	body, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	signed := prefix + base64.RawURLEncoding.EncodeToString(body)
	sig := ed25519.Sign(key, []byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Verify checks a scanned code against the pinned key at now.
func Verify(token string, key ed25519.PublicKey, now time.Time) (Payload, error) {
	var p Payload
	token = strings.TrimSpace(token)
	if len(token) > maxTokenLen || !strings.HasPrefix(token, prefix) {
		return p, ErrGarbled
	}
	dot := strings.LastIndexByte(token, '.')
	if dot < len(prefix) {
		return p, ErrGarbled
	}
	body, err := base64.RawURLEncoding.DecodeString(token[len(prefix):dot])
	if err != nil {
		return p, fmt.Errorf("%w: payload: %v", ErrGarbled, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(token[dot+1:])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return p, fmt.Errorf("%w: signature encoding", ErrGarbled)
	}
	if !ed25519.Verify(key, []byte(token[:dot]), sig) {
		return p, ErrForged
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Payload{}, fmt.Errorf("%w: payload: %v", ErrGarbled, err)
	}
	if err := p.check(); err != nil {
		return Payload{}, err
	}
	if !now.Before(time.Unix(p.Expires, 0)) {
		return Payload{}, ErrExpired
	}
	return p, nil
}

// check validates the fields of a payload.
func (p Payload) check() error {
	u, err := url.Parse(p.Service)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "":
		return fmt.Errorf("%w: service must be an https URL", ErrGarbled)
	case p.Instance == "" || p.Site == "":
		return fmt.Errorf("%w: instance and site are required", ErrGarbled)
	case p.Expires <= 0:
		return fmt.Errorf("%w: no expiry", ErrGarbled)
	}
	if s, err := base64.RawURLEncoding.DecodeString(p.Secret); err != nil || len(s) < 16 {
		return fmt.Errorf("%w: secret must be at least 16 random bytes", ErrGarbled)
	}
	return nil
}
