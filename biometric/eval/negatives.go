package eval

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Negative is one image of DIR/_negatives and what it shows.
type Negative struct {
	Path string // relative to the set's directory
	Kind string // from _negatives/manifest.csv; "unlabelled" when absent
}

// KindUnlabelled is the kind of a negative no manifest names.
const KindUnlabelled = "unlabelled"

// imageExts are the files a negatives directory holds as images; anything
// else there (a manifest, a README, a checksum list) is not probed.
var imageExts = []string{".png", ".jpg", ".jpeg"}

// IsImageName reports whether name has an image file's extension.
func IsImageName(name string) bool {
	return slices.Contains(imageExts, strings.ToLower(filepath.Ext(name)))
}

// ReadNegatives lists the images in DIR/_negatives with their kinds, in
// name order. The kinds come from _negatives/manifest.csv when there is
// one: a header naming a path column ("path" or "file") and a kind column
// ("kind", "type", "attack" or "label"); paths may be relative to
// _negatives or to the set. A set without _negatives has no negatives.
func ReadNegatives(dir string) ([]Negative, error) {
	neg := filepath.Join(dir, "_negatives")
	entries, err := os.ReadDir(neg)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("eval: negatives: %w", err)
	}
	kinds, err := readKinds(filepath.Join(neg, "manifest.csv"))
	if err != nil {
		return nil, err
	}
	var out []Negative
	for _, e := range entries {
		if e.IsDir() || !IsImageName(e.Name()) {
			continue
		}
		k, ok := kinds[e.Name()]
		if !ok {
			k = KindUnlabelled
		}
		out = append(out, Negative{Path: filepath.Join("_negatives", e.Name()), Kind: k})
	}
	return out, nil
}

// readKinds reads the negatives' manifest into file name → kind; no
// manifest is no kinds.
func readKinds(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("eval: negatives manifest: %w", err)
	}
	defer f.Close()
	return parseKinds(f)
}

// parseKinds parses a negatives manifest (outside bytes: it is fuzzed).
func parseKinds(r io.Reader) (map[string]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("eval: negatives manifest header: %w", err)
	}
	pathCol, kindCol := column(head, "path", "file", "filename", "image"), column(head, "kind", "type", "attack", "label", "category")
	if pathCol < 0 || kindCol < 0 {
		return nil, fmt.Errorf("eval: negatives manifest header %q names no path and kind columns", strings.Join(head, ","))
	}
	kinds := map[string]string{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return kinds, nil
		}
		if err != nil {
			return nil, fmt.Errorf("eval: negatives manifest line %d: %w", line, err)
		}
		if len(rec) <= max(pathCol, kindCol) || rec[pathCol] == "" {
			return nil, fmt.Errorf("eval: negatives manifest line %d: want a path and a kind", line)
		}
		kind := strings.TrimSpace(rec[kindCol])
		if kind == "" {
			kind = KindUnlabelled
		}
		kinds[filepath.Base(filepath.FromSlash(strings.TrimSpace(rec[pathCol])))] = kind
	}
}

// column is the index of the first header cell equal to one of names
// (case and spaces ignored), or -1.
func column(head []string, names ...string) int {
	for i, h := range head {
		if slices.Contains(names, strings.ToLower(strings.TrimSpace(h))) {
			return i
		}
	}
	return -1
}
