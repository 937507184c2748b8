package cloud

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/palmd/palmd/firmware/activation"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/identity"
)

// ErrOtherService means a code was made by a service this reader is not
// set up for (the local configuration names the service).
var ErrOtherService = errors.New("cloud: this code is for another service")

// Activator turns a scanned code into an identity.
type Activator struct {
	Service   string            // base URL from the local configuration
	Anchors   *x509.CertPool    // trust anchors from the local configuration
	PinnedKey ed25519.PublicKey // the service's activation key
	Serial    string            // hardware serial number
	Identity  *identity.Dir
	Now       func() time.Time
}

// Activate verifies token offline (signature, expiry, format, service),
// then activates with a CSR for a key made here, and stores the identity.
// It returns the first configuration.
func (a *Activator) Activate(ctx context.Context, token string) (string, api.Config, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	p, err := activation.Verify(token, a.PinnedKey, now())
	if err != nil {
		return "", api.Config{}, err
	}
	if strings.TrimSuffix(p.Service, "/") != strings.TrimSuffix(a.Service, "/") {
		return "", api.Config{}, fmt.Errorf("%w: %s", ErrOtherService, p.Service)
	}
	key, err := a.Identity.NewKey()
	if err != nil {
		return "", api.Config{}, err
	}
	csr, err := identity.CSR(key, a.Serial)
	if err != nil {
		return "", api.Config{}, err
	}
	var resp api.ActivateResponse
	c := httpClient(tlsPolicy(a.Anchors, nil))
	req := api.ActivateRequest{Token: strings.TrimSpace(token), Secret: p.Secret, CSR: csr, Serial: a.Serial}
	if _, err := call(ctx, c, "POST", a.Service+api.PathActivate, req, &resp); err != nil {
		return "", api.Config{}, err
	}
	if resp.Instance != p.Instance {
		return "", api.Config{}, fmt.Errorf("cloud: activated as %q, the code named %q", resp.Instance, p.Instance)
	}
	if err := resp.Config.Validate(); err != nil {
		return "", api.Config{}, fmt.Errorf("cloud: first configuration: %w", err)
	}
	id := identity.Identity{Instance: resp.Instance, Certificate: resp.Certificate, TrustBundle: resp.TrustBundle}
	if err := a.Identity.Save(id); err != nil {
		return "", api.Config{}, err
	}
	return resp.Instance, resp.Config, nil
}
