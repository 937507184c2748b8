package update

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/palmd/palmd/drivers/atomicfile"
	"github.com/palmd/palmd/firmware/release"
)

// Dir is an A/B slot pair in a directory, with the semantics of a
// bootloader's try-boot (U-Boot's bootcount, barebox's bootchooser, RAUC's
// slot marks) for simulation and tests:
//
//	ROOT/boot.json        the boot record: good slot, slot on trial, tries left, last started
//	ROOT/a/palmd          a slot's program
//	ROOT/a/release.json   what it is: version, size, SHA-256
//
// Every change of the record is one atomic replacement (temporary file,
// fsync, rename, fsync of the directory), and a slot's files are written
// only while the record points nowhere near them, so a power cut at any
// instant leaves a record naming whole slots.
type Dir struct {
	Root string
	// Tries is how many starts a release on trial gets before the
	// bootloader goes back; zero is DefaultTries.
	Tries int
}

// DefaultTries is how many starts a release on trial gets: one crash may
// be bad luck (a power cut during its first start), three are not.
const DefaultTries = 3

// Program is the name of a slot's program file.
const Program = "palmd"

const (
	recordFile  = "boot.json"
	releaseFile = "release.json"
)

// record is the boot record the bootloader and the lifecycle share.
type record struct {
	Good      string `json:"good"`                 // the confirmed slot
	Try       string `json:"try,omitempty"`        // the slot on trial
	TriesLeft int    `json:"tries_left,omitempty"` // starts the trial has left
	Booted    string `json:"booted,omitempty"`     // the slot started last
	Failed    string `json:"failed,omitempty"`     // the release last rolled back
	Adopted   string `json:"adopted,omitempty"`    // SHA-256 of the program last given to Adopt
}

// Slot is a slot the bootloader picked.
type Slot struct {
	Name    string
	Program string // the path to start
	Version string
}

// slotRelease is a slot's release.json.
type slotRelease struct {
	Version string `json:"version"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"`
}

// ErrNoSlots: the directory holds no boot record (see Init).
var ErrNoSlots = errors.New("update: no boot record")

// Init makes program, at version, the good slot of a directory that has
// no boot record yet; one that has is left alone. The record is written
// last: a cut before it leaves a directory Init starts again.
func (d Dir) Init(program, version string) error {
	if _, err := d.read(); err == nil || !errors.Is(err, ErrNoSlots) {
		return err
	}
	size, sum, err := hashFile(program)
	if err != nil {
		return fmt.Errorf("update: init: %w", err)
	}
	if err := d.fill("a", program, slotRelease{Version: version, Size: size, SHA256: sum}); err != nil {
		return err
	}
	return d.write(record{Good: "a"})
}

// Adopt makes program, at version, the good slot, as a developer's fresh
// build or a factory image would be: the directory is initialised when it
// has no boot record; otherwise program goes into the slot that is not
// good and becomes the good one, any trial and rollback forgotten, unless
// it is the very program Adopt was last given (releases installed since
// then keep running). It reports whether it changed anything. Like
// Install, it writes only the slot the record does not start, and the
// record last, so a cut at any instant leaves whole slots.
func (d Dir) Adopt(program, version string) (bool, error) {
	size, sum, err := hashFile(program)
	if err != nil {
		return false, fmt.Errorf("update: adopt: %w", err)
	}
	r, err := d.read()
	if errors.Is(err, ErrNoSlots) {
		if err := d.fill("a", program, slotRelease{Version: version, Size: size, SHA256: sum}); err != nil {
			return false, err
		}
		return true, d.write(record{Good: "a", Adopted: sum})
	}
	if err != nil || r.Adopted == sum {
		return false, err
	}
	target := other(r.Good)
	if r.Try != "" || r.Booted == target {
		// The slot about to be written is on trial or was started last:
		// point the record away from it first.
		r.Try, r.TriesLeft, r.Booted = "", 0, r.Good
		if err := d.write(r); err != nil {
			return false, err
		}
	}
	if err := d.fill(target, program, slotRelease{Version: version, Size: size, SHA256: sum}); err != nil {
		return false, err
	}
	if _, err := d.whole(target); err != nil {
		return false, fmt.Errorf("update: slot %s after writing it: %w", target, err)
	}
	return true, d.write(record{Good: target, Booted: target, Adopted: sum})
}

// Boot is the bootloader: it picks the slot to start and counts the try
// before the start, so that a start that dies has used it. A slot on
// trial with no tries left, or not whole, is given up for the good one.
func (d Dir) Boot() (Slot, error) {
	r, err := d.read()
	if err != nil {
		return Slot{}, err
	}
	if r.Try != "" {
		rel, err := d.whole(r.Try)
		if err == nil && r.TriesLeft > 0 {
			r.TriesLeft--
			r.Booted = r.Try
			return d.slot(r.Try, rel), d.write(r)
		}
		r.Failed = rel.Version
		if r.Failed == "" {
			r.Failed = "unknown"
		}
		r.Try, r.TriesLeft = "", 0
	}
	rel, err := d.whole(r.Good)
	if err != nil {
		return Slot{}, fmt.Errorf("update: the good slot %s: %w", r.Good, err)
	}
	r.Booted = r.Good
	return d.slot(r.Good, rel), d.write(r)
}

func (d Dir) slot(name string, rel slotRelease) Slot {
	return Slot{Name: name, Program: filepath.Join(d.Root, name, Program), Version: rel.Version}
}

// Install implements Slots.
func (d Dir) Install(path string, m release.Manifest) error {
	r, err := d.read()
	if err != nil {
		return err
	}
	if r.Try != "" && r.Booted == r.Try {
		return ErrTrying
	}
	target := other(r.Good)
	if r.Try != "" {
		// An earlier release waits for its trial in the slot about to be
		// overwritten: forget it first, or a cut would leave it half
		// written and marked to be tried.
		r.Try, r.TriesLeft = "", 0
		if err := d.write(r); err != nil {
			return err
		}
	}
	if err := d.fill(target, path, slotRelease{Version: m.Version, Size: m.Size, SHA256: m.SHA256}); err != nil {
		return err
	}
	if _, err := d.whole(target); err != nil {
		return fmt.Errorf("update: slot %s after writing it: %w", target, err)
	}
	r.Try, r.TriesLeft = target, d.tries()
	return d.write(r)
}

// Confirm implements Slots.
func (d Dir) Confirm() error {
	r, err := d.read()
	if err != nil {
		return err
	}
	if r.Try == "" || r.Booted != r.Try {
		return nil
	}
	r.Good, r.Try, r.TriesLeft, r.Failed = r.Try, "", 0, ""
	return d.write(r)
}

// Reject implements Slots.
func (d Dir) Reject() error {
	r, err := d.read()
	if err != nil {
		return err
	}
	if r.Try == "" || r.Booted != r.Try {
		return nil
	}
	r.TriesLeft = 0
	return d.write(r)
}

// State implements Slots.
func (d Dir) State() (State, error) {
	r, err := d.read()
	if err != nil {
		return State{}, err
	}
	running := r.Booted
	if running == "" {
		running = r.Good
	}
	rel, err := readRelease(filepath.Join(d.Root, running, releaseFile))
	if err != nil {
		return State{}, err
	}
	st := State{Status: StatusConfirmed, Slot: running, Version: rel.Version}
	switch {
	case r.Try != "" && r.Booted == r.Try:
		st.Status = StatusTrying
	case r.Failed != "":
		st.Status, st.Failed = StatusRolledBack, r.Failed
	}
	return st, nil
}

func (d Dir) tries() int {
	if d.Tries > 0 {
		return d.Tries
	}
	return DefaultTries
}

func other(slot string) string {
	if slot == "a" {
		return "b"
	}
	return "a"
}

// Whole checks that a slot's program is the release its release.json
// names, byte for byte.
func (d Dir) Whole(slot string) error {
	_, err := d.whole(slot)
	return err
}

func (d Dir) whole(slot string) (slotRelease, error) {
	rel, err := readRelease(filepath.Join(d.Root, slot, releaseFile))
	if err != nil {
		return rel, err
	}
	size, sum, err := hashFile(filepath.Join(d.Root, slot, Program))
	if err != nil {
		return rel, fmt.Errorf("update: slot %s: %w", slot, err)
	}
	if size != rel.Size || sum != rel.SHA256 {
		return rel, fmt.Errorf("update: slot %s holds %d bytes that are not release %s", slot, size, rel.Version)
	}
	return rel, nil
}

func (d Dir) read() (record, error) {
	var r record
	b, err := os.ReadFile(filepath.Join(d.Root, recordFile))
	if errors.Is(err, os.ErrNotExist) {
		return r, fmt.Errorf("%w in %s", ErrNoSlots, d.Root)
	}
	if err != nil {
		return r, fmt.Errorf("update: %w", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("update: %s: %w", recordFile, err)
	}
	if r.Good != "a" && r.Good != "b" || r.Try != "" && r.Try == r.Good {
		return r, fmt.Errorf("update: %s names no good slot: %s", recordFile, b)
	}
	return r, nil
}

func (d Dir) write(r record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(d.Root, recordFile), b, 0o600); err != nil {
		return fmt.Errorf("update: boot record: %w", err)
	}
	return nil
}

// fill writes a program and its release.json into a slot the record does
// not point at, each atomically, then syncs the slot's directory.
func (d Dir) fill(slot, program string, rel slotRelease) error {
	dir := filepath.Join(d.Root, slot)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("update: slot %s: %w", slot, err)
	}
	if err := atomicfile.SyncDir(d.Root); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	next := filepath.Join(dir, Program+".next")
	if err := copyFile(program, next, rel.Size); err != nil {
		os.Remove(next)
		return fmt.Errorf("update: slot %s: %w", slot, err)
	}
	if err := os.Rename(next, filepath.Join(dir, Program)); err != nil {
		return fmt.Errorf("update: slot %s: %w", slot, err)
	}
	b, err := json.Marshal(rel)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, releaseFile), b, 0o644); err != nil {
		return fmt.Errorf("update: slot %s: %w", slot, err)
	}
	return nil
}

func readRelease(path string) (slotRelease, error) {
	var rel slotRelease
	b, err := os.ReadFile(path)
	if err != nil {
		return rel, fmt.Errorf("update: %w", err)
	}
	if err := json.Unmarshal(b, &rel); err != nil {
		return rel, fmt.Errorf("update: %s: %w", path, err)
	}
	return rel, nil
}

func hashFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
