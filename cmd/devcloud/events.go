package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palmd/palmd/firmware/api"
)

// publisher writes events as JSON lines in the shape of the guide's
// "Sample events".
//
// Publication is at least once from stored state, and once by ID in the
// file: a handler puts the event into the outbox bucket in the same
// transaction as the change it reports, so whatever a caller was told has
// happened is on disk. flush then copies the outbox to the file and, in a
// second transaction, deletes what it copied and records the file's new
// length. A crash or a full disk between the two steps leaves the outbox
// intact and the recorded length short: the next flush cuts the file back
// to that length and writes the same lines again.
type publisher struct {
	db      *bolt.DB
	path    string
	log     *slog.Logger
	account string
	region  string

	mu     sync.Mutex // one flush at a time; guards f and failed
	f      *os.File   // nil until opened, and after any failure
	failed string     // the last failure logged, to log each kind once
}

// flushBatch bounds the lines written per transaction pair.
const flushBatch = 512

// retryEvery is how often a failed publication is tried again.
const retryEvery = time.Second

var keyPublished = []byte("published-offset")

type published struct {
	Version    string    `json:"version"`
	ID         string    `json:"id"`
	DetailType string    `json:"detail-type"`
	Source     string    `json:"source"`
	Account    string    `json:"account"`
	Time       string    `json:"time"`
	Region     string    `json:"region"`
	Resources  []string  `json:"resources"`
	Detail     evDetails `json:"detail"`
}

type evDetails struct {
	Version  string            `json:"version"`
	Metadata map[string]string `json:"metadata,omitempty"`
	Data     map[string]any    `json:"data"`
}

func (p *publisher) arn(kind, id string) string {
	return "arn:palmd:one:" + p.region + ":" + p.account + ":" + kind + "/" + id
}

func (p *publisher) siteMeta(st site) map[string]string {
	return map[string]string{"siteName": st.Name, "siteArn": p.arn("site", st.ID)}
}

// enqueue stores an event for publication in tx; it is published once tx
// has committed and flush has run.
func (p *publisher) enqueue(tx *bolt.Tx, id, detailType string, at time.Time, resources []string, meta map[string]string, data map[string]any) error {
	ev := published{
		Version: "0", ID: id, DetailType: detailType, Source: "palmd.one", Account: p.account,
		Time: at.UTC().Format(time.RFC3339), Region: p.region, Resources: resources,
		Detail: evDetails{Version: "1.0.0", Metadata: meta, Data: data},
	}
	if _, err := appendSeq(tx, bOutbox, ev); err != nil {
		return fmt.Errorf("devcloud: queue event %s: %w", detailType, err)
	}
	return nil
}

// instanceEvent queues a health or connectivity change.
func (p *publisher) instanceEvent(tx *bolt.Tx, detailType string, at time.Time, rec instanceRecord, st site, data map[string]any) error {
	data["assetTagId"], data["deviceInstanceName"] = rec.AssetTag, rec.Name
	return p.enqueue(tx, newID(""), detailType, at, []string{p.arn("device-instance", rec.ID)}, p.siteMeta(st), data)
}

// userEvent queues an enrollment or un-enrollment.
func (p *publisher) userEvent(tx *bolt.Tx, detailType string, at time.Time, pr profile, source string) error {
	return p.enqueue(tx, newID(""), detailType, at, []string{p.arn("user", pr.ID)}, nil, map[string]any{
		"accountId": p.account, "enrollmentSource": source, "createdTimestamp": pr.Created.UTC().Format(time.RFC3339),
		"userStatus": pr.Status, "associatedIds": badgeIDs(pr.Badge),
	})
}

// badgeIDs is the guide's associatedIds: a JSON array in a string.
func badgeIDs(badge string) string {
	ids := []map[string]string{}
	if badge != "" {
		ids = append(ids, map[string]string{"associatedIdType": "badge", "associatedIdValue": badge})
	}
	b, _ := json.Marshal(ids) // a slice of string maps always encodes
	return string(b)
}

// pending counts the events stored and not yet in the file.
func (p *publisher) pending() (int, error) {
	n := 0
	err := p.db.View(func(tx *bolt.Tx) error { n = tx.Bucket(bOutbox).Stats().KeyN; return nil })
	return n, err
}

// run retries publication until ctx ends, so that events stored while the
// file could not be written go out once it can.
func (p *publisher) run(ctx context.Context) {
	t := time.NewTicker(retryEvery)
	defer t.Stop()
	for {
		p.flushLogged()
		select {
		case <-ctx.Done():
			p.close()
			return
		case <-t.C:
		}
	}
}

// flushLogged flushes and logs a failure once until it changes or clears.
func (p *publisher) flushLogged() {
	err := p.flush()
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err == nil && p.failed != "":
		p.log.Info("publishing events works again")
		p.failed = ""
	case err != nil && err.Error() != p.failed:
		p.log.Error("publishing events failed; they stay queued and are retried", "err", err)
		p.failed = err.Error()
	}
}

// flush publishes the whole outbox, batch by batch.
func (p *publisher) flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		off, lines, last, err := p.nextBatch()
		if err != nil || len(lines) == 0 {
			return err
		}
		end, err := p.write(off, lines)
		if err != nil {
			p.closeLocked()
			return fmt.Errorf("devcloud: publish to %s: %w", p.path, err)
		}
		if err := p.commit(last, end); err != nil {
			return fmt.Errorf("devcloud: record publication: %w", err)
		}
	}
}

// nextBatch reads the published length and up to flushBatch queued lines.
func (p *publisher) nextBatch() (off int64, lines []byte, last []byte, err error) {
	err = p.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(keyPublished); len(v) == 8 {
			off = int64(binary.BigEndian.Uint64(v))
		}
		c := tx.Bucket(bOutbox).Cursor()
		n := 0
		for k, v := c.First(); k != nil && n < flushBatch; k, v = c.Next() {
			lines = append(append(lines, v...), '\n')
			last, n = append(last[:0], k...), n+1
		}
		return nil
	})
	return off, lines, last, err
}

// commit forgets the published lines up to last and records the length.
func (p *publisher) commit(last []byte, end int64) error {
	return p.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bOutbox).Cursor()
		for k, _ := c.First(); k != nil && string(k) <= string(last); k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return tx.Bucket(bMeta).Put(keyPublished, binary.BigEndian.AppendUint64(nil, uint64(end)))
	})
}

// write puts lines at offset off of the file, cutting off whatever a
// failed or interrupted earlier write left beyond it, and syncs. It
// returns the file's new length.
func (p *publisher) write(off int64, lines []byte) (int64, error) {
	if p.f == nil {
		f, err := os.OpenFile(p.path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return 0, err
		}
		p.f = f
	}
	fi, err := p.f.Stat()
	if err != nil {
		return 0, err
	}
	switch size := fi.Size(); {
	case size < off && fi.Mode().IsRegular():
		// Replaced or rotated by an operator: the lines we wrote are
		// gone from here, so continue at the new file's end.
		p.log.Warn("the events file is shorter than what was published to it; appending at its end", "file", p.path)
		off = size
	case size > off:
		if err := p.f.Truncate(off); err != nil {
			return 0, err
		}
	}
	if _, err := p.f.WriteAt(lines, off); err != nil {
		return 0, err
	}
	if err := p.f.Sync(); err != nil {
		return 0, err
	}
	return off + int64(len(lines)), nil
}

func (p *publisher) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeLocked()
}

func (p *publisher) closeLocked() {
	if p.f != nil {
		_ = p.f.Close()
		p.f = nil
	}
}

// Published detail-type values for a reader's recognitions, and the
// decision values the guide's upper-case style gives them.
var decisions = map[string]string{
	api.DecisionGranted: "GRANTED", api.DecisionDenied: "DENIED", api.DecisionNoAnswer: "NO_ANSWER",
}

// deviceEvent queues an event a reader delivered under the reader's own
// event ID and with the time it happened on the reader.
func (p *publisher) deviceEvent(tx *bolt.Tx, ev api.Event, rec instanceRecord) error {
	var st site
	_ = get(tx, bSites, rec.Site, &st) // a deleted site leaves its name empty
	resources := []string{p.arn("device-instance", rec.ID)}
	if ev.Type == api.EventRecognized || ev.Type == api.EventNotRecognized {
		data, user, err := p.recognitionData(tx, ev, rec)
		if err != nil {
			return err
		}
		if user != "" {
			resources = append(resources, p.arn("user", user))
		}
		return p.enqueue(tx, ev.ID, ev.Type, ev.Time, resources, p.siteMeta(st), data)
	}
	switch ev.Type {
	case api.EventEnrolled:
		return errBadRequest(fmt.Sprintf("events[%s].type: enrollments are uploaded to %s", ev.ID, api.PathEnrollments))
	case api.EventNotEnrolled:
		return p.enrollFailure(tx, ev, rec, st)
	case api.EventUnenrolled, api.EventNotUnenrolled:
		return p.unenrollment(tx, ev, rec, st)
	}
	var data map[string]any
	if len(ev.Data) > 0 {
		if err := json.Unmarshal(ev.Data, &data); err != nil {
			return errBadRequest(fmt.Sprintf("events[%s].data: not a JSON object: %v", ev.ID, err))
		}
	}
	if data == nil {
		data = map[string]any{}
	}
	data["assetTagId"], data["deviceInstanceName"] = rec.AssetTag, rec.Name
	return p.enqueue(tx, ev.ID, ev.Type, ev.Time, resources, p.siteMeta(st), data)
}

// recognitionData turns api.Recognition into the guide's data block.
func (p *publisher) recognitionData(tx *bolt.Tx, ev api.Event, rec instanceRecord) (map[string]any, string, error) {
	r, err := decodeRecognition(ev.Data)
	if err != nil {
		return nil, "", errBadRequest(fmt.Sprintf("events[%s].data: %v", ev.ID, err))
	}
	data := map[string]any{
		"accountId": p.account, "requestSource": rec.ID, "createdTimestamp": ev.Time.UTC().Format(time.RFC3339),
		"associatedIds": badgeIDs(r.Badge),
	}
	if r.Profile != "" {
		var pr profile
		if err := get(tx, bProfiles, r.Profile, &pr); err == nil {
			data["userStatus"] = pr.Status
		}
	}
	if r.Decision != "" {
		d, ok := decisions[r.Decision]
		if !ok {
			return nil, "", errBadRequest(fmt.Sprintf("events[%s].data.decision: unknown value %q", ev.ID, r.Decision))
		}
		data["accessDecision"] = d
	}
	if ev.Type == api.EventNotRecognized && r.Reason != "" {
		data["reason"] = r.Reason
	}
	return data, r.Profile, nil
}

// legacyRecognition is the data readers recorded before api.Recognition:
// the guide's associated ID of the badge sent, or nothing when nobody was
// recognised. Readers in the field still deliver it from their outboxes.
type legacyRecognition struct {
	Type  string `json:"associatedIdType"`
	Value string `json:"associatedIdValue"`
}

// decodeRecognition reads a recognition's data: api.Recognition, or the
// legacy form, each decoded strictly.
func decodeRecognition(data []byte) (api.Recognition, error) {
	var r api.Recognition
	err := decodeStrict(data, &r)
	if err == nil {
		return r, nil
	}
	var l legacyRecognition
	if decodeStrict(data, &l) != nil || (l.Type != "badge" && l != legacyRecognition{}) {
		return api.Recognition{}, err // the error of the current form
	}
	return api.Recognition{Badge: l.Value}, nil
}

// enrollFailure publishes a reader's Unsuccessful Enrollment in the
// guide's user-event shape, with the reason; associatedIds is empty when
// the person declined (the reader keeps nothing of them).
func (p *publisher) enrollFailure(tx *bolt.Tx, ev api.Event, rec instanceRecord, st site) error {
	var f api.EnrollmentFailure
	if err := decodeStrict(ev.Data, &f); err != nil || f.Reason == "" {
		return errBadRequest(fmt.Sprintf("events[%s].data: want EnrollmentFailure with a reason: %v", ev.ID, err))
	}
	data := map[string]any{
		"accountId": p.account, "enrollmentSource": rec.ID, "createdTimestamp": ev.Time.UTC().Format(time.RFC3339),
		"associatedIds": badgeIDs(f.Badge), "reason": f.Reason, "assetTagId": rec.AssetTag, "deviceInstanceName": rec.Name,
	}
	return p.enqueue(tx, ev.ID, ev.Type, ev.Time, []string{p.arn("device-instance", rec.ID)}, p.siteMeta(st), data)
}

// unenrollment publishes a reader's report of a deletion: the person,
// their status and badge as the service knows them, the reader, and on
// a failure why. A profile retired by a re-enrollment of its badge is no
// un-enrollment: the report is taken and not published.
func (p *publisher) unenrollment(tx *bolt.Tx, ev api.Event, rec instanceRecord, st site) error {
	var u api.Unenrollment
	if err := decodeStrict(ev.Data, &u); err != nil || u.Profile == "" {
		return errBadRequest(fmt.Sprintf("events[%s].data: want Unenrollment with a profile: %v", ev.ID, err))
	}
	var pr profile
	_ = get(tx, bProfiles, u.Profile, &pr) // an unknown profile is published without its badge
	if pr.ReplacedBy != "" {
		return nil
	}
	data := map[string]any{
		"accountId": p.account, "enrollmentSource": pr.Source, "requestSource": rec.ID,
		"createdTimestamp": ev.Time.UTC().Format(time.RFC3339), "associatedIds": badgeIDs(pr.Badge),
		"assetTagId": rec.AssetTag, "deviceInstanceName": rec.Name,
	}
	if pr.Status != "" {
		data["userStatus"] = pr.Status
	}
	if ev.Type == api.EventNotUnenrolled {
		data["reason"] = u.Reason
	}
	resources := []string{p.arn("user", u.Profile), p.arn("device-instance", rec.ID)}
	return p.enqueue(tx, ev.ID, ev.Type, ev.Time, resources, p.siteMeta(st), data)
}
