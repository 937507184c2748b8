package cloud

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/store"
)

// batchSize is how many events go in one delivery.
const batchSize = 200

// NewEvent makes an event with a fresh unique ID.
func NewEvent(kind string, data any, at time.Time) (api.Event, error) {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return api.Event{}, err
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return api.Event{}, err
	}
	return api.Event{ID: hex.EncodeToString(id), Type: kind, Time: at.UTC(), Data: raw}, nil
}

// Record puts ev in the persistent outbox; it leaves only when the service
// has acknowledged its ID.
func Record(db *store.DB, ev api.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if _, err := db.Enqueue(ev.ID, b); err != nil {
		return fmt.Errorf("cloud: outbox: %w", err)
	}
	return nil
}

// reportDrops tells the service how many events the reader had to drop,
// before the events it kept: never silence. The report's ID stays the same
// until the service holds it, so a retry is recognised.
func (s *Syncer) reportDrops(ctx context.Context) error {
	id, count, err := s.Store.DropReport()
	if err != nil || count == 0 {
		return err
	}
	data, err := json.Marshal(api.EventsDropped{Count: count,
		Reason: "the reader's outbox was full (storage full, or offline longer than it holds)"})
	if err != nil {
		return err
	}
	ev := api.Event{ID: id, Type: api.EventEventsDropped, Time: time.Now().UTC(), Data: data}
	var ack api.EventAck
	if _, err := s.client.do(ctx, "POST", api.PathEvents, api.EventBatch{Events: []api.Event{ev}}, &ack); err != nil {
		return err
	}
	if !slices.Contains(ack.Accepted, id) {
		return fmt.Errorf("cloud: the service did not accept the report of %d dropped events", count)
	}
	s.Log.Warn("cloud: reported events the reader had to drop", "count", count)
	return s.Store.DropReported(count)
}

// Outbox is the persistent outbox of a store, for those that record events
// through an interface.
type Outbox struct{ DB *store.DB }

// Record implements the appliance's Outbox.
func (o Outbox) Record(ev api.Event) error { return Record(o.DB, ev) }

// Flush delivers the outbox in batches until it is empty. An event leaves
// the outbox only after the service acknowledged it; if the reader stops
// between delivery and removal, the event goes again and the service
// recognises its ID.
func (s *Syncer) Flush(ctx context.Context) error {
	if err := s.ensureClient(); err != nil {
		return err
	}
	if err := s.reportDrops(ctx); err != nil {
		return err
	}
	for {
		entries, err := s.Store.Pending(batchSize)
		if err != nil || len(entries) == 0 {
			return err
		}
		batch := api.EventBatch{Events: make([]api.Event, 0, len(entries))}
		seqByID := map[string]uint64{}
		for _, e := range entries {
			var ev api.Event
			if err := json.Unmarshal(e.Payload, &ev); err != nil {
				return fmt.Errorf("cloud: outbox entry %d is corrupt: %w", e.Seq, err)
			}
			if ev.Type == api.EventEnrolled {
				break // uploaded on its own, in its turn
			}
			batch.Events = append(batch.Events, ev)
			seqByID[ev.ID] = e.Seq
		}
		if len(batch.Events) == 0 {
			if err := s.uploadFirst(ctx, entries[0]); err != nil {
				return err
			}
			continue
		}
		var ack api.EventAck
		if _, err := s.client.do(ctx, "POST", api.PathEvents, batch, &ack); err != nil {
			return err
		}
		var done []uint64
		for _, id := range ack.Accepted {
			if seq, ok := seqByID[id]; ok {
				done = append(done, seq)
			}
		}
		for _, r := range ack.Rejected {
			if seq, ok := seqByID[r.ID]; ok {
				// Never publishable: kept, it would hold up every later
				// event. Its ID and the reason, never its data.
				s.Log.Error("cloud: the service refused an event for good; dropped", "id", r.ID, "reason", r.Reason)
				done = append(done, seq)
			}
		}
		if len(done) == 0 {
			return fmt.Errorf("cloud: the service accepted none of %d events", len(entries))
		}
		if err := s.Store.Ack(done...); err != nil {
			return err
		}
	}
}

// uploadFirst uploads the enrollment at the head of the outbox, then lets
// it go.
func (s *Syncer) uploadFirst(ctx context.Context, e store.OutboxEntry) error {
	var ev api.Event
	if err := json.Unmarshal(e.Payload, &ev); err != nil {
		return fmt.Errorf("cloud: outbox entry %d is corrupt: %w", e.Seq, err)
	}
	err := s.upload(ctx, ev)
	var se *StatusError
	if errors.As(err, &se) && (se.Status == http.StatusBadRequest || se.Status == http.StatusRequestEntityTooLarge) {
		// Never acceptable: kept, it would hold up every later event, as
		// a refused event would. Its ID and the reason, never its data.
		s.Log.Error("cloud: the service refused an enrollment for good; dropped", "id", ev.ID, "reason", se.Body.Message)
		err = nil
	}
	if err != nil {
		return err
	}
	return s.Store.Ack(e.Seq)
}
