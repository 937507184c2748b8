package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// A reader keeps working when its storage fills up: the door opens,
// events keep the newest and count what had to go, and the count reaches
// the service. Three things make that so:
//
//   - At Open the state file reserves room on the filesystem (fallocate,
//     the file's size unchanged), so bbolt's later growth lands on blocks
//     that are already the file's when the disk is full of something else.
//   - The outbox holds at most MaxOutbox events; beyond that, and whenever
//     the filesystem refuses a write, the oldest events make room and are
//     counted as dropped, in the same transaction.
//   - The count of dropped events is kept until the service has heard of
//     it (DropReport, DropReported).

// MaxOutbox bounds the events waiting for the service: about two weeks of
// a busy door offline, a few megabytes.
const MaxOutbox = 20000

// Reserve is the room the state file claims at Open; never more than a
// quarter of what the filesystem has free, so a nearly full reader still
// starts and leaves room for its other files.
const Reserve = 4 << 20

// Keys of the outbox's bookkeeping in the kv bucket.
const (
	keyOutboxCount = "store/outbox-count"
	keyDropped     = "store/outbox-dropped"     // count not yet reported
	keyDropReport  = "store/outbox-drop-report" // sequence of the report being delivered
)

// reserve claims room for the state file; it returns what it got.
func reserve(path string) int64 {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0
	}
	defer f.Close()
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil {
		return 0
	}
	size, _ := f.Stat()
	n := min(Reserve, int64(st.Bavail)*st.Bsize/4)
	if size != nil {
		n += size.Size() // fallocate counts from the file's start
	}
	for ; n >= 64<<10; n /= 2 {
		if err := unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_KEEP_SIZE, 0, n); err == nil {
			return n
		}
	}
	return 0
}

// isFull reports a write the filesystem refused for room.
func isFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// counter reads a uint64 of the kv bucket (0 when absent).
func counter(tx *bolt.Tx, key string) uint64 {
	v := tx.Bucket(bucketKV).Get([]byte(key))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func setCounter(tx *bolt.Tx, key string, n uint64) error {
	return tx.Bucket(bucketKV).Put([]byte(key), binary.BigEndian.AppendUint64(nil, n))
}

// dropOldest deletes up to n of the oldest events and counts them as
// dropped.
func dropOldest(tx *bolt.Tx, n int) (int, error) {
	b := tx.Bucket(bucketOutbox)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && len(keys) < n; k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	if err := addDropped(tx, uint64(len(keys))); err != nil {
		return 0, err
	}
	return len(keys), setCounter(tx, keyOutboxCount, counter(tx, keyOutboxCount)-uint64(len(keys)))
}

func addDropped(tx *bolt.Tx, n uint64) error {
	if n == 0 {
		return nil
	}
	return setCounter(tx, keyDropped, counter(tx, keyDropped)+n)
}

// DropReport is the count of events dropped and not yet reported, with the
// ID of the event that reports it: the same until DropReported, so that a
// report delivered twice is recognised.
func (db *DB) DropReport() (id string, count uint64, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		count = counter(tx, keyDropped)
		id = fmt.Sprintf("outbox-dropped-%d", counter(tx, keyDropReport))
		return nil
	})
	db.mu.Lock()
	count += db.lost
	db.mu.Unlock()
	return id, count, err
}

// DropReported records that the service holds the report of count
// dropped events; drops since then stay for the next report.
func (db *DB) DropReported(count uint64) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		db.mu.Lock()
		lost := db.lost
		db.mu.Unlock()
		stored := counter(tx, keyDropped) + lost
		if count > stored {
			count = stored
		}
		if err := setCounter(tx, keyDropped, stored-count); err != nil {
			return err
		}
		return setCounter(tx, keyDropReport, counter(tx, keyDropReport)+1)
	})
	if err != nil {
		return fmt.Errorf("store: drop report: %w", err)
	}
	db.mu.Lock()
	db.lost = 0 // folded into the stored count above
	db.mu.Unlock()
	return nil
}
