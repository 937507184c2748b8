package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Access levels from the guide.
const (
	levelFull      = "full"
	levelReadOnly  = "read-only"
	levelInstaller = "installer"
)

// installerActions are the calls an installer key may make.
var installerActions = map[string]bool{
	"CreateDeviceActivationQrCode": true, "GetDeviceInstance": true, "GetSite": true,
	"GetSiteAddress": true, "ListDeviceInstances": true, "ListSites": true,
}

// allowed applies the access level to an action name.
func allowed(level, action string) bool {
	switch level {
	case levelFull:
		return true
	case levelReadOnly:
		return strings.HasPrefix(action, "Get") || strings.HasPrefix(action, "List")
	case levelInstaller:
		return installerActions[action]
	}
	return false
}

type apiKey struct {
	Name  string `json:"name"`
	Level string `json:"level"`
}

type auditEntry struct {
	Time     time.Time `json:"eventTime"`
	Who      string    `json:"userIdentity"`
	Action   string    `json:"eventName"`
	Resource string    `json:"resource,omitempty"`
	Source   string    `json:"sourceIPAddress"`
	Allowed  bool      `json:"allowed"`
	Error    string    `json:"errorCode,omitempty"`
	// Throttled counts the calls from this source refused with 429 since
	// the last one let through: a throttled burst leaves two entries (its
	// first refusal and this count), not one per call.
	Throttled int `json:"throttledCalls,omitempty"`
}

func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// newAPIKey stores a fresh key with a level and returns it; only its hash
// is kept.
func (s *server) newAPIKey(name, level string) (string, error) {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	key := "pk_" + base64.RawURLEncoding.EncodeToString(raw)
	err := s.db.b.Update(func(tx *bolt.Tx) error {
		return put(tx, bKeys, hashKey(key), apiKey{Name: name, Level: level})
	})
	return key, err
}

// guard checks the caller's key against action, records the call in the
// audit log, and runs h when allowed. Calls without a valid key are rate
// limited per source address.
func (s *server) guard(action string, h func(w http.ResponseWriter, r *http.Request, who apiKey)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var k apiKey
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		err := s.db.b.View(func(tx *bolt.Tx) error { return get(tx, bKeys, hashKey(token), &k) })
		entry := auditEntry{Time: s.now().UTC(), Who: k.Name, Action: action, Resource: r.PathValue("id"), Source: remoteIP(r)}
		switch {
		case !ok || err != nil:
			entry.Who, entry.Error = "unknown", "UnrecognizedClientException"
			if !s.admit(w, &entry) {
				return
			}
		case !allowed(k.Level, action):
			entry.Error = "AccessDeniedException"
		default:
			entry.Allowed = true
		}
		// No call goes unrecorded: without an audit entry, no service.
		if !s.record(w, entry) {
			return
		}
		switch {
		case entry.Who == "unknown":
			writeError(w, http.StatusUnauthorized, "unauthorized", "missing or unknown API key")
		case !entry.Allowed:
			writeError(w, http.StatusForbidden, "access_denied", k.Level+" keys may not call "+action)
		default:
			h(w, r, k)
		}
	}
}

// admit applies the rate limit to a call without a valid credential. A
// refused call answers 429; the first of a burst is audited, the others
// are counted in the source's next audited call.
func (s *server) admit(w http.ResponseWriter, e *auditEntry) bool {
	ok, refused := s.limit.allow(e.Source, s.now())
	if ok {
		e.Throttled = refused
		return true
	}
	if refused == 1 {
		t := *e
		t.Error = "ThrottlingException"
		if !s.record(w, t) {
			return false
		}
	}
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusTooManyRequests, "throttled", "too many calls without a valid credential from this address")
	return false
}

// record writes an audit entry, answering 503 when it cannot.
func (s *server) record(w http.ResponseWriter, e auditEntry) bool {
	if err := s.audit(e); err != nil {
		s.log.Error("audit log write failed", "err", err)
		writeError(w, http.StatusServiceUnavailable, "audit_unavailable", "the audit log cannot be written")
		return false
	}
	return true
}

func (s *server) audit(e auditEntry) error {
	return s.db.b.Update(func(tx *bolt.Tx) error {
		_, err := appendSeq(tx, bAudit, e)
		return err
	})
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
