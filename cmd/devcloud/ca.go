package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// authority is the service's own CA, its TLS server certificate and the
// activation key that signs activation codes. All live in the data dir,
// made on first start.
type authority struct {
	caCert     *x509.Certificate
	caKey      crypto.Signer
	caPEM      []byte
	serverTLS  tls.Certificate
	activation ed25519.PrivateKey
	release    ed25519.PrivateKey // signs software release manifests
}

// Files in the data directory.
const (
	fileCA         = "ca.pem"         // the trust anchor readers configure
	fileCAKey      = "ca.key"         // PKCS#8
	fileActivation = "activation.pub" // the key readers pin, base64 PEM
	fileActKey     = "activation.key"
	fileRelease    = "release.pub" // the key readers pin for software updates
	fileRelKey     = "release.key"
)

func loadAuthority(dir string, hosts []string) (*authority, error) {
	a := &authority{}
	if err := a.loadCA(dir); err != nil {
		return nil, err
	}
	var err error
	if a.activation, err = loadSigningKey(filepath.Join(dir, fileActKey), filepath.Join(dir, fileActivation)); err != nil {
		return nil, fmt.Errorf("devcloud: activation key: %w", err)
	}
	if a.release, err = loadSigningKey(filepath.Join(dir, fileRelKey), filepath.Join(dir, fileRelease)); err != nil {
		return nil, fmt.Errorf("devcloud: release key: %w", err)
	}
	cert, err := a.issue(serverTemplate(hosts), nil)
	if err != nil {
		return nil, err
	}
	a.serverTLS = cert
	return a, nil
}

func (a *authority) loadCA(dir string) error {
	certPath, keyPath := filepath.Join(dir, fileCA), filepath.Join(dir, fileCAKey)
	if _, err := os.Stat(keyPath); errors.Is(err, os.ErrNotExist) {
		if err := makeCA(certPath, keyPath); err != nil {
			return err
		}
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return fmt.Errorf("devcloud: CA: %w", err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return fmt.Errorf("devcloud: CA key: %w", err)
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return errors.New("devcloud: CA files are not PEM")
	}
	if a.caCert, err = x509.ParseCertificate(cb.Bytes); err != nil {
		return fmt.Errorf("devcloud: CA: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return fmt.Errorf("devcloud: CA key: %w", err)
	}
	a.caKey, a.caPEM = k.(crypto.Signer), certPEM
	return nil
}

func makeCA(certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(), Subject: pkix.Name{CommonName: "palmd devcloud CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

// loadSigningKey reads an Ed25519 key's seed from keyPath, or makes one
// on first start and writes its public half, PEM, to pubPath.
func loadSigningKey(keyPath, pubPath string) (ed25519.PrivateKey, error) {
	raw, err := os.ReadFile(keyPath)
	if errors.Is(err, os.ErrNotExist) {
		_, priv, gerr := ed25519.GenerateKey(rand.Reader)
		if gerr != nil {
			return nil, gerr
		}
		if err := os.WriteFile(keyPath, priv.Seed(), 0o600); err != nil {
			return nil, err
		}
		pub := pem.EncodeToMemory(&pem.Block{Type: "ED25519 PUBLIC KEY", Bytes: priv.Public().(ed25519.PublicKey)})
		if err := os.WriteFile(pubPath, pub, 0o644); err != nil {
			return nil, err
		}
		raw = priv.Seed()
	} else if err != nil {
		return nil, err
	}
	if len(raw) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s is corrupt", keyPath)
	}
	return ed25519.NewKeyFromSeed(raw), nil
}

func serverTemplate(hosts []string) *x509.Certificate {
	t := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "palmd devcloud"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			t.IPAddresses = append(t.IPAddresses, ip)
		} else {
			t.DNSNames = append(t.DNSNames, h)
		}
	}
	return t
}

// issue signs tmpl for pub (a fresh key when pub is nil) with the CA.
func (a *authority) issue(tmpl *x509.Certificate, pub crypto.PublicKey) (tls.Certificate, error) {
	var key crypto.Signer
	if pub == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return tls.Certificate{}, err
		}
		key, pub = k, k.Public()
	}
	tmpl.SerialNumber = randomSerial()
	tmpl.NotBefore = time.Now().Add(-5 * time.Minute)
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = time.Now().AddDate(1, 0, 0)
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.caCert, pub, a.caKey)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("devcloud: issue certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// signCSR issues a device certificate naming the instance for a key made
// on the reader.
func (a *authority) signCSR(csrPEM, instanceID string) (*x509.Certificate, []byte, error) {
	b, _ := pem.Decode([]byte(csrPEM))
	if b == nil || b.Type != "CERTIFICATE REQUEST" {
		return nil, nil, errors.New("csr is not a PEM certificate request")
	}
	csr, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("csr: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, nil, fmt.Errorf("csr signature: %w", err)
	}
	cert, err := a.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: instanceID, Organization: []string{"palmd device"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, csr.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	return cert.Leaf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), nil
}

func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}
