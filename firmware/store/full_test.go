package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// smallFS mounts a filesystem of size bytes for the test, or skips where
// mounting is not allowed (not root).
func smallFS(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
		t.Skipf("a small filesystem needs a tmpfs mount: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, 0) })
	return dir
}

// fill writes a file until the filesystem is full.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

func event(i int) (string, []byte) {
	id := fmt.Sprintf("ev-%06d", i)
	return id, []byte(fmt.Sprintf(`{"id":%q,"type":"Successful Recognition","time":"2026-12-02T01:02:03Z","data":{"badge":"12:3456","decision":"granted","pad":%q}}`, id, strings.Repeat("x", 120)))
}

// TestFullDiskKeepsTheNewest: on a filesystem filled by something else,
// every event is still accepted; the outbox keeps the newest in order and
// counts the oldest it had to drop, and the count survives until the
// service has it.
func TestFullDiskKeepsTheNewest(t *testing.T) {
	dir := smallFS(t, "2m")
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fill(t, dir)
	const n = 8000
	for i := range n {
		id, body := event(i)
		if _, err := db.Enqueue(id, body); err != nil {
			t.Fatalf("event %d refused on a full disk: %v", i, err)
		}
	}
	queued, err := db.OutboxLen()
	if err != nil {
		t.Fatal(err)
	}
	_, dropped, err := db.DropReport()
	if err != nil {
		t.Fatal(err)
	}
	if dropped == 0 || uint64(queued)+dropped != n {
		t.Fatalf("%d queued and %d dropped of %d", queued, dropped, n)
	}
	if queued < 100 {
		t.Fatalf("only %d events kept: the reserve made no room", queued)
	}
	pending, err := db.Pending(n)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range pending {
		if want, _ := event(int(dropped) + i); e.ID != want {
			t.Fatalf("entry %d is %s, want %s: the newest must stay, in order", i, e.ID, want)
		}
	}
	t.Logf("full disk: %d events accepted, %d kept, %d dropped and counted", n, queued, dropped)
}

// TestOutboxBound: beyond its bound the outbox drops its oldest and
// counts them; the drop report is recognised by its ID until reported,
// and drops after it wait for the next.
func TestOutboxBound(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.maxOutbox = 10
	for i := range 15 {
		id, body := event(i)
		if _, err := db.Enqueue(id, body); err != nil {
			t.Fatal(err)
		}
	}
	pending, _ := db.Pending(100)
	if len(pending) != 10 || pending[0].ID != "ev-000005" {
		t.Fatalf("kept %d from %s, want the newest 10", len(pending), pending[0].ID)
	}
	id, count, _ := db.DropReport()
	again, _, _ := db.DropReport()
	if count != 5 || id != again {
		t.Fatalf("report %s of %d, then %s", id, count, again)
	}
	if err := db.Ack(pending[0].Seq, pending[1].Seq); err != nil {
		t.Fatal(err)
	}
	ev, body := event(15)
	if _, err := db.Enqueue(ev, body); err != nil { // room again: nothing dropped
		t.Fatal(err)
	}
	if err := db.DropReported(count); err != nil {
		t.Fatal(err)
	}
	next, left, _ := db.DropReport()
	if left != 0 || next == id {
		t.Fatalf("after the report: %s with %d left", next, left)
	}
	if n, _ := db.OutboxLen(); n != 9 {
		t.Fatalf("outbox holds %d, want 9", n)
	}
}
