package main

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palmd/palmd/firmware/activation"
	"github.com/palmd/palmd/firmware/api"
)

const (
	deviceBodyLimit = 8 << 20
	galleryPage     = 100
)

func (s *server) deviceRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+api.PathActivate, s.activate)
	mux.HandleFunc("GET "+api.PathConfig, s.device(s.getConfig))
	mux.HandleFunc("POST "+api.PathConfigState, s.device(s.configState))
	mux.HandleFunc("POST "+api.PathHealth, s.device(s.health))
	mux.HandleFunc("POST "+api.PathEvents, s.device(s.deliverEvents))
	mux.HandleFunc("POST "+api.PathEnrollments, s.device(s.enroll))
	mux.HandleFunc("GET "+api.PathGallery, s.device(s.gallery))
	mux.HandleFunc("GET "+api.PathCommands, s.device(s.commands))
	mux.HandleFunc("POST "+api.PathCommands+"/{id}/ack", s.device(s.ackCommand))
	mux.HandleFunc("GET "+api.PathSoftware, s.device(s.software))
	mux.HandleFunc("GET "+api.PathSoftware+"/download", s.device(s.download))
}

// activate binds a reader to the instance named in a valid, unused code.
func (s *server) activate(w http.ResponseWriter, r *http.Request) {
	if ok, _ := s.limit.allow(remoteIP(r), s.now()); !ok {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "throttled", "too many activation attempts from this address")
		return
	}
	var req api.ActivateRequest
	if !readJSON(w, r, 1<<16, deviceStringLimit, &req) {
		return
	}
	p, err := activation.Verify(req.Token, s.ca.activation.Public().(ed25519.PublicKey), s.now())
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, activation.ErrExpired) {
			status = http.StatusGone
		}
		writeError(w, status, "code_invalid", err.Error())
		return
	}
	if p.Secret != req.Secret {
		writeError(w, http.StatusForbidden, "code_invalid", "the secret does not match the code")
		return
	}
	var resp api.ActivateResponse
	var rec instanceRecord
	ok := s.update(w, func(tx *bolt.Tx) (err error) {
		var c code
		if err := get(tx, bCodes, secretHash(p.Secret), &c); err != nil || c.Instance != p.Instance {
			return errForbidden("this activation code was not issued here")
		}
		if !c.UsedAt.IsZero() {
			return errCode("code_used", "this activation code has already been used; create a new one")
		}
		if rec, err = s.db.getInstance(tx, p.Instance); err != nil {
			return err
		}
		if rec.Config == nil {
			return errConflict("the device instance has no configuration")
		}
		cert, certPEM, err := s.ca.signCSR(req.CSR, rec.ID)
		if err != nil {
			return errBadRequest(err.Error())
		}
		c.UsedAt = s.now().UTC()
		rec.State, rec.AssetTag, rec.CertSN = stateActive, req.Serial, cert.SerialNumber.String()
		rec.Running, rec.Rejected, rec.LastSeen, rec.Online = rec.Config.Version, nil, s.now(), true
		resp = api.ActivateResponse{Instance: rec.ID, Certificate: string(certPEM), TrustBundle: string(s.ca.caPEM), Config: *rec.Config}
		if err := put(tx, bCodes, secretHash(p.Secret), c); err != nil {
			return err
		}
		return s.db.putInstance(tx, rec)
	})
	if ok {
		s.log.Info("device activated", "instance", rec.ID)
		writeJSON(w, http.StatusOK, resp)
	}
}

// device authenticates a reader by its client certificate: issued by our
// CA, naming an instance, and the one certificate bound to it.
func (s *server) device(h func(w http.ResponseWriter, r *http.Request, rec instanceRecord)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
			writeError(w, http.StatusUnauthorized, "no_client_certificate", "device calls need the device certificate")
			return
		}
		leaf := r.TLS.VerifiedChains[0][0]
		var rec instanceRecord
		ok := s.update(w, func(tx *bolt.Tx) (err error) {
			if rec, err = s.db.getInstance(tx, leaf.Subject.CommonName); err != nil {
				return errForbidden("unknown device")
			}
			if rec.State != stateActive || rec.CertSN != leaf.SerialNumber.String() {
				return errForbidden("this device is no longer associated with the instance")
			}
			rec.LastSeen = s.now()
			return s.db.putInstance(tx, rec)
		})
		if !ok {
			return
		}
		if !rec.Online {
			s.setOnline(rec.ID, true)
		}
		h(w, r, rec)
	}
}

func (s *server) getConfig(w http.ResponseWriter, r *http.Request, rec instanceRecord) {
	running, _ := strconv.ParseInt(r.URL.Query().Get("running"), 10, 64)
	if rec.Config == nil || rec.Config.Version == running {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, http.StatusOK, rec.Config)
}

func (s *server) configState(w http.ResponseWriter, r *http.Request, rec instanceRecord) {
	var st api.ConfigState
	if !readJSON(w, r, 1<<12, deviceStringLimit, &st) {
		return
	}
	if s.update(w, func(tx *bolt.Tx) error {
		cur, err := s.db.getInstance(tx, rec.ID)
		if err != nil {
			return err
		}
		cur.Running, cur.Rejected = st.Running, nil
		if st.Rejected != 0 {
			cur.Rejected = &st
		}
		return s.db.putInstance(tx, cur)
	}) {
		w.WriteHeader(http.StatusNoContent)
	}
}

// health stores a report and publishes a change of status.
func (s *server) health(w http.ResponseWriter, r *http.Request, rec instanceRecord) {
	var h api.Health
	if !readJSON(w, r, 1<<14, deviceStringLimit, &h) {
		return
	}
	if h.Status != "HEALTHY" && h.Status != "CRITICAL" {
		writeError(w, http.StatusBadRequest, "bad_request", "status must be HEALTHY or CRITICAL")
		return
	}
	if !s.update(w, func(tx *bolt.Tx) error {
		cur, err := s.db.getInstance(tx, rec.ID)
		if err != nil {
			return err
		}
		prev := cur.Health
		cur.Health, cur.Failing = h.Status, h.Failing
		if err := s.db.putInstance(tx, cur); err != nil || prev == "" || prev == h.Status {
			return err
		}
		var st site
		_ = get(tx, bSites, cur.Site, &st)
		detail := "Device Health Status Changed To Healthy"
		if h.Status == "CRITICAL" {
			detail = "Device Health Status Changed To Critical"
		}
		return s.events.instanceEvent(tx, detail, s.now(), cur, st, map[string]any{"currentHealthStatus": h.Status, "previousHealthStatus": prev})
	}) {
		return
	}
	s.publish()
	w.WriteHeader(http.StatusNoContent)
}

// deliverEvents stores new events and queues them for publication in one
// transaction, so an acknowledged event is always published; a known ID
// is accepted again without being published twice.
func (s *server) deliverEvents(w http.ResponseWriter, r *http.Request, rec instanceRecord) {
	var b api.EventBatch
	if !readJSON(w, r, deviceBodyLimit, deviceStringLimit, &b) {
		return
	}
	for i, ev := range b.Events {
		if ev.ID == "" { // an event without an ID cannot be acknowledged or refused
			writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("events[%d].id: missing", i))
			return
		}
	}
	ack := api.EventAck{Accepted: []string{}}
	if !s.update(w, func(tx *bolt.Tx) error {
		ack = api.EventAck{Accepted: []string{}} // update may run the function again
		for _, ev := range b.Events {
			err := s.storeEvent(tx, ev, rec)
			var he *httpErr
			switch {
			case errors.As(err, &he) && he.code == http.StatusBadRequest:
				ack.Rejected = append(ack.Rejected, api.EventRejected{ID: ev.ID, Reason: he.msg})
			case err != nil:
				return err
			default:
				ack.Accepted = append(ack.Accepted, ev.ID)
			}
		}
		return nil
	}) {
		return
	}
	s.publish()
	writeJSON(w, http.StatusOK, ack)
}

// storeEvent keeps a delivered event and queues it for publication, once
// by ID; a malformed event is a bad-request error and changes nothing.
func (s *server) storeEvent(tx *bolt.Tx, ev api.Event, rec instanceRecord) error {
	if err := checkEvent(ev); err != nil {
		return errBadRequest(fmt.Sprintf("events[%s].%v", ev.ID, err))
	}
	if tx.Bucket(bEvents).Get([]byte(ev.ID)) != nil {
		return nil
	}
	if err := s.events.deviceEvent(tx, ev, rec); err != nil {
		return err
	}
	return put(tx, bEvents, ev.ID, ev)
}

func checkEvent(ev api.Event) error {
	switch {
	case ev.ID == "":
		return errors.New("id: missing")
	case ev.Type == "":
		return errors.New("type: missing")
	case ev.Time.IsZero():
		return errors.New("time: missing")
	}
	return nil
}

// enroll adds a person enrolled at a reader to the site's gallery; the
// enrollment ID makes a retried upload harmless. A re-enrollment of a
// badge replaces the site's other profile of it: its key is destroyed
// and every reader drops it.
func (s *server) enroll(w http.ResponseWriter, r *http.Request, rec instanceRecord) {
	var e api.Enrollment
	if !readJSON(w, r, deviceBodyLimit, deviceStringLimit, &e) {
		return
	}
	if e.ID == "" || e.Badge == "" || len(e.Templates) == 0 {
		writeError(w, http.StatusBadRequest, "bad_request", "id, badge and templates are required")
		return
	}
	created := s.now().UTC()
	if !e.At.IsZero() && e.At.Before(created) {
		created = e.At.UTC() // when the person enrolled, however late the upload
	}
	p := profile{Profile: api.Profile{ID: e.ID, Badge: e.Badge}, Site: rec.Site, Status: "ACTIVE", Created: created, Source: rec.ID}
	if !s.update(w, func(tx *bolt.Tx) (err error) {
		if tx.Bucket(bProfiles).Get([]byte(e.ID)) != nil {
			return nil
		}
		if err := s.replaceBadge(tx, p); err != nil {
			return err
		}
		if p.Sealed, err = s.vault.seal(tx, p.ID, e.Templates); err != nil {
			return err
		}
		if err := put(tx, bProfiles, p.ID, p); err != nil {
			return err
		}
		if _, err := appendSeq(tx, bGallery, galleryChange{Site: rec.Site, AddedID: p.ID}); err != nil {
			return err
		}
		return s.events.userEvent(tx, "New Successful Enrollment", p.Created, p, rec.ID)
	}) {
		return
	}
	s.publish()
	w.WriteHeader(http.StatusNoContent)
}

// replaceBadge retires the site's active profiles of p's badge.
func (s *server) replaceBadge(tx *bolt.Tx, p profile) error {
	var old []profile
	err := each(tx, bProfiles, func(_ []byte, o profile) error {
		if o.Site == p.Site && o.Badge == p.Badge && o.Status == "ACTIVE" && o.ID != p.ID {
			old = append(old, o)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, o := range old {
		o.Status, o.Sealed, o.Templates, o.ReplacedBy = "DELETED", nil, nil, p.ID
		if err := put(tx, bProfiles, o.ID, o); err != nil {
			return err
		}
		if err := tx.Bucket(bProfileKeys).Delete([]byte(o.ID)); err != nil {
			return err
		}
		if _, err := appendSeq(tx, bGallery, galleryChange{Site: o.Site, Deleted: o.ID}); err != nil {
			return err
		}
	}
	return nil
}

// gallery returns the site's changes after the cursor (a sequence number).
func (s *server) gallery(w http.ResponseWriter, r *http.Request, rec instanceRecord) {
	after, _ := strconv.ParseUint(r.URL.Query().Get("cursor"), 10, 64)
	out := api.GalleryChanges{Cursor: strconv.FormatUint(after, 10)}
	if s.view(w, func(tx *bolt.Tx) error {
		c := tx.Bucket(bGallery).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, after+1)); k != nil; k, v = c.Next() {
			if len(out.Added)+len(out.Deleted) >= galleryPage {
				out.More = true
				break
			}
			var ch galleryChange
			if err := json.Unmarshal(v, &ch); err != nil {
				return err
			}
			out.Cursor = strconv.FormatUint(binary.BigEndian.Uint64(k), 10)
			if ch.Site != rec.Site {
				continue
			}
			if ch.Deleted != "" {
				out.Deleted = append(out.Deleted, ch.Deleted)
				continue
			}
			p, found, err := s.openProfile(tx, ch.AddedID)
			if err != nil {
				return err
			}
			if found { // a deleted person's addition is gone with them
				out.Added = append(out.Added, p)
			}
		}
		return nil
	}) {
		writeJSON(w, http.StatusOK, out)
	}
}

// openProfile returns an active profile with its templates opened.
func (s *server) openProfile(tx *bolt.Tx, id string) (api.Profile, bool, error) {
	var p profile
	if err := get(tx, bProfiles, id, &p); err != nil {
		return api.Profile{}, false, err
	}
	if p.Status != "ACTIVE" {
		return api.Profile{}, false, nil
	}
	t, err := s.vault.open(tx, id, p.Sealed)
	if err != nil {
		return api.Profile{}, false, err
	}
	return api.Profile{ID: p.ID, Badge: p.Badge, Templates: t}, true, nil
}

func (s *server) commands(w http.ResponseWriter, _ *http.Request, rec instanceRecord) {
	out := api.Commands{Commands: []api.Command{}}
	if s.view(w, func(tx *bolt.Tx) error {
		return each(tx, bCommands, func(_ []byte, c command) error {
			if c.Instance == rec.ID && !c.Acked {
				out.Commands = append(out.Commands, c.Command)
			}
			return nil
		})
	}) {
		writeJSON(w, http.StatusOK, out)
	}
}

// ackCommand records a command's outcome; a deactivation that succeeded
// unbinds the device, whose certificate stops working.
func (s *server) ackCommand(w http.ResponseWriter, r *http.Request, rec instanceRecord) {
	var ack api.CommandAck
	if !readJSON(w, r, 1<<12, deviceStringLimit, &ack) {
		return
	}
	if s.update(w, func(tx *bolt.Tx) error {
		var c command
		if err := get(tx, bCommands, r.PathValue("id"), &c); err != nil || c.Instance != rec.ID {
			return errForbidden("no such command for this device")
		}
		c.Acked, c.OK = true, ack.OK
		if err := put(tx, bCommands, c.ID, c); err != nil {
			return err
		}
		if c.Kind == api.CommandDeactivate && ack.OK {
			cur, err := s.db.getInstance(tx, rec.ID)
			if err != nil {
				return err
			}
			cur.State, cur.CertSN, cur.AssetTag, cur.Online = stateReady, "", "", false
			return s.db.putInstance(tx, cur)
		}
		return nil
	}) {
		w.WriteHeader(http.StatusNoContent)
	}
}

// watchConnectivity marks readers that stopped calling DISCONNECTED.
func (s *server) watchConnectivity(ctx context.Context) {
	t := time.NewTicker(s.offline / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var stale []string
		_ = s.db.b.View(func(tx *bolt.Tx) error {
			return each(tx, bInstances, func(_ []byte, rec instanceRecord) error {
				if rec.Online && s.now().Sub(rec.LastSeen) > s.offline {
					stale = append(stale, rec.ID)
				}
				return nil
			})
		})
		for _, id := range stale {
			s.setOnline(id, false)
		}
	}
}

// setOnline records and publishes a connectivity change.
func (s *server) setOnline(id string, online bool) {
	err := s.db.b.Update(func(tx *bolt.Tx) error {
		rec, err := s.db.getInstance(tx, id)
		if err != nil || rec.Online == online {
			return err
		}
		rec.Online = online
		if err := s.db.putInstance(tx, rec); err != nil {
			return err
		}
		var st site
		_ = get(tx, bSites, rec.Site, &st)
		cur, prev, detail := "CONNECTED", "DISCONNECTED", "Device Connectivity Changed To Online"
		if !online {
			cur, prev, detail = prev, cur, "Device Connectivity Changed To Offline"
		}
		return s.events.instanceEvent(tx, detail, s.now(), rec, st, map[string]any{"currentConnectivity": cur, "previousConnectivity": prev})
	})
	if err != nil {
		s.log.Error("recording a connectivity change failed", "instance", id, "err", err)
		return
	}
	s.publish()
}
