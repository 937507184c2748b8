package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The outbox holds events until the service has acknowledged them: at-least-
// once delivery across restarts and network cuts. Entries keep their order;
// each carries the event's unique ID so the service can drop duplicates.

// OutboxEntry is one queued event.
type OutboxEntry struct {
	Seq     uint64 // position in the outbox, for Ack
	ID      string // the event's unique ID
	Payload []byte // the event as it will be sent
}

// Enqueue appends an event in one transaction and returns its position.
// It makes room rather than fail: beyond MaxOutbox events, or when the
// filesystem is full, the oldest events go and are counted (DropReport).
// It fails only when not even that frees room, and then counts the event
// itself as dropped.
func (db *DB) Enqueue(id string, payload []byte) (uint64, error) {
	if id == "" || len(id) > 0xFFFF {
		return 0, fmt.Errorf("store: enqueue: event ID must be 1..65535 bytes")
	}
	v := binary.BigEndian.AppendUint16(nil, uint16(len(id)))
	v = append(append(v, id...), payload...)
	for drop := 0; ; drop = max(16, drop*4) {
		seq, queued, err := db.enqueue(v, drop)
		if err == nil {
			return seq, nil
		}
		if !isFull(err) || drop > queued {
			db.mu.Lock()
			db.lost++
			db.mu.Unlock()
			return 0, fmt.Errorf("store: enqueue: %w", err)
		}
	}
}

// enqueue stores one entry after dropping the drop oldest (and any over
// MaxOutbox); queued is how many were waiting before.
func (db *DB) enqueue(v []byte, drop int) (seq uint64, queued int, err error) {
	db.mu.Lock()
	lost := db.lost
	db.mu.Unlock()
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		n := counter(tx, keyOutboxCount)
		queued = int(n)
		if over := int(n) + 1 - db.maxOutbox; over > drop {
			drop = over
		}
		if drop > 0 {
			if _, err := dropOldest(tx, drop); err != nil {
				return err
			}
		}
		if err := addDropped(tx, lost); err != nil {
			return err
		}
		b := tx.Bucket(bucketOutbox)
		var err error
		if seq, err = b.NextSequence(); err != nil {
			return err
		}
		if err := b.Put(seqKey(seq), v); err != nil {
			return err
		}
		return setCounter(tx, keyOutboxCount, counter(tx, keyOutboxCount)+1)
	})
	if err == nil && lost > 0 {
		db.mu.Lock()
		db.lost -= lost
		db.mu.Unlock()
	}
	return seq, queued, err
}

// Pending returns up to max of the oldest queued events.
func (db *DB) Pending(max int) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < max; k, v = c.Next() {
			e, err := decodeEntry(k, v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// Ack removes delivered events. Unknown positions are ignored: an ack may
// arrive twice after a retry.
func (db *DB) Ack(seqs ...uint64) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		gone := uint64(0)
		for _, s := range seqs {
			if b.Get(seqKey(s)) == nil {
				continue
			}
			if err := b.Delete(seqKey(s)); err != nil {
				return err
			}
			gone++
		}
		return setCounter(tx, keyOutboxCount, counter(tx, keyOutboxCount)-gone)
	})
	if err != nil {
		return fmt.Errorf("store: ack: %w", err)
	}
	return nil
}

// OutboxLen returns the number of queued events.
func (db *DB) OutboxLen() (int, error) {
	var n int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketOutbox).Stats().KeyN
		return nil
	})
	return n, err
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

var errBadEntry = errors.New("store: outbox entry corrupt")

func decodeEntry(k, v []byte) (OutboxEntry, error) {
	if len(k) != 8 || len(v) < 2 {
		return OutboxEntry{}, errBadEntry
	}
	n := int(binary.BigEndian.Uint16(v))
	if len(v) < 2+n {
		return OutboxEntry{}, errBadEntry
	}
	return OutboxEntry{
		Seq:     binary.BigEndian.Uint64(k),
		ID:      string(v[2 : 2+n]),
		Payload: append([]byte(nil), v[2+n:]...),
	}, nil
}
