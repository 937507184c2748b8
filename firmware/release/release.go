// Package release signs and verifies the manifests of software releases.
// The service signs a release's manifest with its release key (Ed25519);
// readers pin the public key and install nothing whose manifest does not
// verify and whose bytes do not hash to what it names.
//
// Wire form: "PALMDREL1." + base64url(JSON manifest) + "." +
// base64url(signature), the signature covering everything before the last
// dot. The prefix keeps a release signature from ever passing for an
// activation code and the other way round, should one key sign both.
package release

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/semver"
)

const prefix = "PALMDREL1."

// maxManifestLen bounds what Verify reads.
const maxManifestLen = 4096

// MaxSize bounds a release: more than any reader's image, less than its
// storage.
const MaxSize = 512 << 20

// Product is the only product readers accept.
const Product = "palmd"

// Errors from Verify.
var (
	ErrGarbled = errors.New("release: the manifest is not readable")
	ErrForged  = errors.New("release: the manifest's signature is not the service's release key")
)

// Manifest is what a signed release says about itself.
type Manifest struct {
	Product string `json:"product"`
	Version string `json:"version"`
	Arch    string `json:"arch"` // GOARCH of the binary
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
	// Downgrade says this release may replace a newer one (a rollback
	// the operator means); without it readers install only newer
	// versions.
	Downgrade bool `json:"downgrade,omitempty"`
}

// Older reports whether version a precedes b (semantic versions, with or
// without a leading "v"). A version that is not one cannot be ordered:
// the error says so, and callers refuse what they cannot order.
func Older(a, b string) (bool, error) {
	va, vb := "v"+strings.TrimPrefix(a, "v"), "v"+strings.TrimPrefix(b, "v")
	for _, v := range []string{va, vb} {
		if !semver.IsValid(v) {
			return false, fmt.Errorf("release: version %q is not a semantic version", strings.TrimPrefix(v, "v"))
		}
	}
	return semver.Compare(va, vb) < 0, nil
}

// CheckNames refuses a version or architecture that could not name a
// file: both end up in paths on the service and on the reader.
func CheckNames(version, arch string) error {
	for _, n := range []struct{ what, v string }{{"version", version}, {"arch", arch}} {
		if n.v == "" || len(n.v) > 64 || n.v[0] == '.' || strings.ContainsAny(n.v, "/\\ \t\n\x00") {
			return fmt.Errorf("release: %s %q is not a plain name", n.what, n.v)
		}
	}
	return nil
}

// check enforces the fields' shapes, on both sides.
func (m Manifest) check() error {
	if err := CheckNames(m.Version, m.Arch); err != nil {
		return err
	}
	switch {
	case m.Product != Product:
		return fmt.Errorf("release: product %q, want %q", m.Product, Product)
	case m.Size <= 0 || m.Size > MaxSize:
		return fmt.Errorf("release: size %d outside 1..%d", m.Size, MaxSize)
	}
	if b, err := hex.DecodeString(m.SHA256); err != nil || len(b) != 32 {
		return fmt.Errorf("release: sha256 %q is not 64 hex digits", m.SHA256)
	}
	return nil
}

// Sign makes the signed manifest of m.
func Sign(m Manifest, key ed25519.PrivateKey) (string, error) {
	if err := m.check(); err != nil {
		return "", err
	}
	body, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("release: %w", err)
	}
	signed := prefix + base64.RawURLEncoding.EncodeToString(body)
	return signed + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, []byte(signed))), nil
}

// Verify checks a signed manifest against the pinned key.
func Verify(signed string, key ed25519.PublicKey) (Manifest, error) {
	if len(signed) > maxManifestLen || !strings.HasPrefix(signed, prefix) {
		return Manifest{}, ErrGarbled
	}
	dot := strings.LastIndexByte(signed, '.')
	if dot < len(prefix) {
		return Manifest{}, ErrGarbled
	}
	sig, err := base64.RawURLEncoding.DecodeString(signed[dot+1:])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Manifest{}, ErrGarbled
	}
	if len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, []byte(signed[:dot]), sig) {
		return Manifest{}, ErrForged
	}
	body, err := base64.RawURLEncoding.DecodeString(signed[len(prefix):dot])
	if err != nil {
		return Manifest{}, ErrGarbled
	}
	var m Manifest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("%w: %v", ErrGarbled, err)
	}
	if err := m.check(); err != nil {
		return Manifest{}, fmt.Errorf("%w: %v", ErrGarbled, err)
	}
	return m, nil
}
