package eval

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Sample is one manifest row.
type Sample struct {
	Path     string // relative to the set's directory
	Identity string
	Hand     string
	Capture  int
}

// ReadManifest reads DIR/manifest.csv: header path,identity,hand,capture.
func ReadManifest(dir string) ([]Sample, error) {
	f, err := os.Open(filepath.Join(dir, "manifest.csv"))
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 4
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("eval: manifest header: %w", err)
	}
	if strings.Join(head, ",") != "path,identity,hand,capture" {
		return nil, fmt.Errorf("eval: manifest header is %q, want path,identity,hand,capture", strings.Join(head, ","))
	}
	var out []Sample
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("eval: manifest line %d: %w", line, err)
		}
		c, err := strconv.Atoi(rec[3])
		if err != nil || rec[0] == "" || rec[1] == "" || rec[2] == "" {
			return nil, fmt.Errorf("eval: manifest line %d: want path,identity,hand,capture with a numeric capture", line)
		}
		out = append(out, Sample{Path: rec[0], Identity: rec[1], Hand: rec[2], Capture: c})
	}
}
