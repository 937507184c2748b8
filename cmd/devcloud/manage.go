package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	qrcode "github.com/skip2/go-qrcode"
	bolt "go.etcd.io/bbolt"

	"github.com/palmd/palmd/firmware/activation"
	"github.com/palmd/palmd/firmware/api"
)

const manageBodyLimit = 1 << 16

// manageRoutes are the console's operations, each named as in the guide
// and checked against the caller's access level.
func (s *server) manageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /manage/sites", s.guard("CreateSite", s.createSite))
	mux.HandleFunc("PUT /manage/releases/{arch}/{version}", s.guard("PublishSoftwareRelease", s.publishRelease))
	mux.HandleFunc("GET /manage/releases", s.guard("ListSoftwareReleases", s.listReleases))
	mux.HandleFunc("GET /manage/sites", s.guard("ListSites", s.listSites))
	mux.HandleFunc("GET /manage/sites/{id}", s.guard("GetSite", s.getSite))
	mux.HandleFunc("GET /manage/sites/{id}/address", s.guard("GetSiteAddress", s.getSiteAddress))
	mux.HandleFunc("POST /manage/templates", s.guard("CreateConfigurationTemplate", s.createTemplate))
	mux.HandleFunc("GET /manage/templates", s.guard("ListConfigurationTemplates", s.listTemplates))
	mux.HandleFunc("POST /manage/instances", s.guard("CreateDeviceInstance", s.createInstance))
	mux.HandleFunc("GET /manage/instances", s.guard("ListDeviceInstances", s.listInstances))
	mux.HandleFunc("GET /manage/instances/{id}", s.guard("GetDeviceInstance", s.getInstance))
	mux.HandleFunc("PUT /manage/instances/{id}/configuration", s.guard("UpdateDeviceInstanceConfiguration", s.configureInstance))
	mux.HandleFunc("POST /manage/instances/{id}/activation-code", s.guard("CreateDeviceActivationQrCode", s.createCode))
	mux.HandleFunc("POST /manage/instances/{id}/reboot", s.guard("RebootDevice", s.commandHandler(api.CommandReboot)))
	mux.HandleFunc("POST /manage/instances/{id}/deactivate", s.guard("DeleteAssociatedDevice", s.commandHandler(api.CommandDeactivate)))
	mux.HandleFunc("POST /manage/tags/{kind}/{id}", s.guard("TagResource", s.tagResource))
	mux.HandleFunc("GET /manage/users", s.guard("ListEnrolledUsers", s.listUsers))
	mux.HandleFunc("DELETE /manage/users/{id}", s.guard("DeleteUserBiometrics", s.deleteUser))
	mux.HandleFunc("GET /manage/audit", s.guard("ListAuditEvents", s.listAudit))
}

func newID(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func (s *server) createSite(w http.ResponseWriter, r *http.Request, _ apiKey) {
	var in struct {
		Name    string  `json:"name"`
		Address address `json:"address"`
	}
	if !readJSON(w, r, manageBodyLimit, manageStringLimit, &in) {
		return
	}
	if in.Name == "" || in.Address.Line1 == "" || in.Address.City == "" || in.Address.CountryCode == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "name and address (addressLine1, city, countryCode) are required")
		return
	}
	st := site{ID: newID("site-"), Name: in.Name, Address: in.Address, CreatedAt: s.now().UTC()}
	if s.update(w, func(tx *bolt.Tx) error { return put(tx, bSites, st.ID, st) }) {
		writeJSON(w, http.StatusCreated, st)
	}
}

// list answers with the view of every record of a bucket that keep
// accepts, as a JSON array under name.
func list[T any](s *server, w http.ResponseWriter, bucket []byte, name string, keep func(T) (any, bool)) {
	out := []any{}
	if s.view(w, func(tx *bolt.Tx) error {
		return each(tx, bucket, func(_ []byte, v T) error {
			if view, ok := keep(v); ok {
				out = append(out, view)
			}
			return nil
		})
	}) {
		writeJSON(w, http.StatusOK, map[string]any{name: out})
	}
}

func all[T any](v T) (any, bool) { return v, true }

func (s *server) listSites(w http.ResponseWriter, _ *http.Request, _ apiKey) {
	list(s, w, bSites, "sites", all[site])
}

func (s *server) getSite(w http.ResponseWriter, r *http.Request, _ apiKey) {
	var st site
	if s.view(w, func(tx *bolt.Tx) error { return get(tx, bSites, r.PathValue("id"), &st) }) {
		writeJSON(w, http.StatusOK, st)
	}
}

func (s *server) getSiteAddress(w http.ResponseWriter, r *http.Request, _ apiKey) {
	var st site
	if s.view(w, func(tx *bolt.Tx) error { return get(tx, bSites, r.PathValue("id"), &st) }) {
		writeJSON(w, http.StatusOK, st.Address)
	}
}

func (s *server) createTemplate(w http.ResponseWriter, r *http.Request, _ apiKey) {
	var t template
	if !readJSON(w, r, manageBodyLimit, manageStringLimit, &t) {
		return
	}
	t.Config.Version = 1
	if err := t.Config.Validate(); err != nil || t.Name == "" {
		writeError(w, http.StatusBadRequest, "invalid_configuration", "template needs a name and a valid configuration: "+errString(err))
		return
	}
	t.ID = newID("tmpl-")
	if s.update(w, func(tx *bolt.Tx) error { return put(tx, bTemplates, t.ID, t) }) {
		writeJSON(w, http.StatusCreated, t)
	}
}

func (s *server) listTemplates(w http.ResponseWriter, _ *http.Request, _ apiKey) {
	list(s, w, bTemplates, "templates", all[template])
}

func (s *server) createInstance(w http.ResponseWriter, r *http.Request, _ apiKey) {
	var in struct {
		Name string `json:"name"`
		Site string `json:"siteId"`
	}
	if !readJSON(w, r, manageBodyLimit, manageStringLimit, &in) {
		return
	}
	rec := instanceRecord{instance: instance{ID: newID("inst-"), Name: in.Name, Site: in.Site, State: stateNeedsConfig}}
	if in.Name == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "name is required")
		return
	}
	if s.update(w, func(tx *bolt.Tx) error {
		if err := get(tx, bSites, in.Site, &site{}); err != nil {
			return err
		}
		return s.db.putInstance(tx, rec)
	}) {
		writeJSON(w, http.StatusCreated, rec.instance)
	}
}

func (s *server) listInstances(w http.ResponseWriter, r *http.Request, _ apiKey) {
	siteID := r.URL.Query().Get("siteId")
	list(s, w, bInstances, "deviceInstances", func(v instanceRecord) (any, bool) {
		return v.instance, siteID == "" || v.Site == siteID
	})
}

func (s *server) getInstance(w http.ResponseWriter, r *http.Request, _ apiKey) {
	var rec instanceRecord
	if s.view(w, func(tx *bolt.Tx) (err error) { rec, err = s.db.getInstance(tx, r.PathValue("id")); return err }) {
		writeJSON(w, http.StatusOK, rec.instance)
	}
}

// configureInstance applies a template or a configuration given in full;
// the version always increases, so readers see the change.
func (s *server) configureInstance(w http.ResponseWriter, r *http.Request, _ apiKey) {
	var in struct {
		Template string      `json:"templateId,omitempty"`
		Config   *api.Config `json:"configuration,omitempty"`
	}
	if !readJSON(w, r, manageBodyLimit, manageStringLimit, &in) {
		return
	}
	var rec instanceRecord
	ok := s.update(w, func(tx *bolt.Tx) (err error) {
		if rec, err = s.db.getInstance(tx, r.PathValue("id")); err != nil {
			return err
		}
		cfg := in.Config
		if in.Template != "" {
			var t template
			if err := get(tx, bTemplates, in.Template, &t); err != nil {
				return err
			}
			cfg = &t.Config
		}
		if cfg == nil {
			return errBadRequest("templateId or configuration is required")
		}
		next := *cfg
		next.Version = 1
		if rec.Config != nil {
			next.Version = rec.Config.Version + 1
		}
		if err := next.Validate(); err != nil {
			return errBadRequest(err.Error())
		}
		rec.Config = &next
		if rec.State == stateNeedsConfig {
			rec.State = stateReady
		}
		return s.db.putInstance(tx, rec)
	})
	if ok {
		writeJSON(w, http.StatusOK, rec.instance)
	}
}

// createCode mints a one-time activation code for a configured instance
// and returns it as text and as a PNG QR code.
func (s *server) createCode(w http.ResponseWriter, r *http.Request, _ apiKey) {
	exp := s.now().Add(s.codeTTL)
	var token string
	var png []byte
	ok := s.update(w, func(tx *bolt.Tx) error {
		rec, err := s.db.getInstance(tx, r.PathValue("id"))
		if err != nil {
			return err
		}
		if rec.State == stateNeedsConfig {
			return errConflict("the device instance needs a configuration first")
		}
		var secret string
		token, secret, png, err = s.mintReadable(rec, exp)
		if err != nil {
			return err
		}
		return put(tx, bCodes, secretHash(secret), code{Instance: rec.ID, Expires: exp})
	})
	if ok {
		writeJSON(w, http.StatusCreated, map[string]any{"token": token, "expires": exp.UTC(), "png": png})
	}
}

// mintReadable signs a code with a fresh secret and renders it. A few
// renderings of go-qrcode are not read back by gozxing (seen in about 2 %
// of random tokens, on clean images); the console only hands out codes
// that read back, drawing a new secret otherwise.
func (s *server) mintReadable(rec instanceRecord, exp time.Time) (token, secret string, png []byte, err error) {
	for range 8 {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return "", "", nil, err
		}
		secret = base64.RawURLEncoding.EncodeToString(raw)
		token, err = activation.Mint(activation.Payload{
			Service: s.url, Instance: rec.ID, Site: rec.Site, Secret: secret, Expires: exp.Unix(),
		}, s.ca.activation)
		if err != nil {
			return "", "", nil, err
		}
		if png, err = qrcode.Encode(token, qrcode.Medium, -8); err != nil {
			return "", "", nil, err
		}
		if readsBack(png, token) {
			return token, secret, png, nil
		}
	}
	return "", "", nil, errors.New("no readable QR rendering in 8 attempts")
}

func secretHash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// tagResource merges tags into a site or an instance.
func (s *server) tagResource(w http.ResponseWriter, r *http.Request, _ apiKey) {
	var tags map[string]string
	if !readJSON(w, r, manageBodyLimit, manageStringLimit, &tags) {
		return
	}
	id := r.PathValue("id")
	ok := s.update(w, func(tx *bolt.Tx) error {
		switch r.PathValue("kind") {
		case "sites":
			var st site
			if err := get(tx, bSites, id, &st); err != nil {
				return err
			}
			st.Tags = mergeTags(st.Tags, tags)
			return put(tx, bSites, id, st)
		case "instances":
			rec, err := s.db.getInstance(tx, id)
			if err != nil {
				return err
			}
			rec.Tags = mergeTags(rec.Tags, tags)
			return s.db.putInstance(tx, rec)
		}
		return errBadRequest("tags apply to sites or instances")
	})
	if ok {
		w.WriteHeader(http.StatusNoContent)
	}
}

func mergeTags(dst, src map[string]string) map[string]string {
	if dst == nil {
		dst = map[string]string{}
	}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}

// Audit log pages: ListAuditEvents takes nextToken (from the previous
// page) and maxResults.
const (
	auditPageDefault = 100
	auditPageMax     = 1000
)

// listAudit answers one page of the audit log, oldest first.
func (s *server) listAudit(w http.ResponseWriter, r *http.Request, _ apiKey) {
	after, limit, err := auditPage(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	out := struct {
		Events    []auditEntry `json:"events"`
		NextToken string       `json:"nextToken,omitempty"`
	}{Events: []auditEntry{}}
	if s.view(w, func(tx *bolt.Tx) error {
		c := tx.Bucket(bAudit).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, after+1)); k != nil; k, v = c.Next() {
			if len(out.Events) == limit {
				out.NextToken = strconv.FormatUint(after, 10)
				break
			}
			var e auditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("audit %x: %w", k, err)
			}
			out.Events, after = append(out.Events, e), binary.BigEndian.Uint64(k)
		}
		return nil
	}) {
		writeJSON(w, http.StatusOK, out)
	}
}

func auditPage(q url.Values) (after uint64, limit int, err error) {
	limit = auditPageDefault
	if t := q.Get("nextToken"); t != "" {
		if after, err = strconv.ParseUint(t, 10, 64); err != nil {
			return 0, 0, fmt.Errorf("nextToken: not a token this service gave")
		}
	}
	if m := q.Get("maxResults"); m != "" {
		if limit, err = strconv.Atoi(m); err != nil || limit < 1 || limit > auditPageMax {
			return 0, 0, fmt.Errorf("maxResults: a number from 1 to %d", auditPageMax)
		}
	}
	return after, limit, nil
}

// Errors handlers return from transactions, mapped to HTTP statuses.
type httpErr struct {
	code       int
	short, msg string
}

func (e *httpErr) Error() string      { return e.msg }
func errBadRequest(msg string) error  { return &httpErr{http.StatusBadRequest, "bad_request", msg} }
func errConflict(msg string) error    { return &httpErr{http.StatusConflict, "conflict", msg} }
func errForbidden(msg string) error   { return &httpErr{http.StatusForbidden, "forbidden", msg} }
func errCode(short, msg string) error { return &httpErr{http.StatusConflict, short, msg} }

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// update and view run a transaction and answer the request on error.
func (s *server) update(w http.ResponseWriter, f func(tx *bolt.Tx) error) bool {
	return s.answer(w, s.db.b.Update(f))
}

func (s *server) view(w http.ResponseWriter, f func(tx *bolt.Tx) error) bool {
	return s.answer(w, s.db.b.View(f))
}

func (s *server) answer(w http.ResponseWriter, err error) bool {
	var he *httpErr
	switch {
	case err == nil:
		return true
	case errors.As(err, &he):
		writeError(w, he.code, he.short, he.msg)
	case errors.Is(err, errNotFound):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	default:
		s.log.Error("request failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "internal error")
	}
	return false
}

// readsBack reports whether the PNG decodes to token.
func readsBack(b []byte, token string) bool {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return false
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return false
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	return err == nil && res.GetText() == token
}
