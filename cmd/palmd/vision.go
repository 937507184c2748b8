package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/drivers/camera"
	"github.com/palmd/palmd/firmware/people"
	"github.com/palmd/palmd/wiegand"
)

// defaultFalseMatchRate is the rate per comparison a match must beat
// when the local configuration names none: with 10,000 people enrolled,
// under one false accept in 100,000 searches.
const defaultFalseMatchRate = 1e-9

// probeRotations are the small rotations a probe is coded at.
var probeRotations = []float64{-4, 0, 4}

// vision reads the camera and hands each frame to what the reader is
// doing: scanning an activation code, or recognising palms.
type vision struct {
	log    *slog.Logger
	cam    camera.Source
	sim    *camera.Sim // nil on a real camera
	cloud  *cloudLink  // nil without a service
	entry  *entry
	frames uint64
}

// Run reads frames until ctx ends.
func (v *vision) Run(ctx context.Context) error {
	defer v.entry.ext.Close()
	for {
		f, err := v.cam.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, camera.ErrClosed) {
				return nil
			}
			return fmt.Errorf("camera: %w", err)
		}
		v.frames++
		if v.cloud != nil && v.cloud.scanning() {
			v.cloud.offer(f.Image)
			continue
		}
		v.entry.handle(f.Image)
	}
}

// handleFrame is POST /camera on the simulator endpoint: put an image
// (PNG or JPEG) in front of the camera; an empty body takes it away.
func (v *vision) handleFrame(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(raw) == 0 {
		v.sim.Show(nil)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		http.Error(w, "camera: not a PNG or JPEG image: "+err.Error(), http.StatusBadRequest)
		return
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	v.sim.Show(g)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintln(w, `{"shown":true}`)
}

// entry recognises palms and sends the badges of the recognised.
type entry struct {
	log    *slog.Logger
	loc    *palm.Locator
	ext    *features.Extractor
	people *people.Directory
	panel  *panelLink // nil without a panel link
	record func(kind, badge string)
	hints  string
	armed  bool    // a new presentation may be decided
	thresh float64 // match distance
}

func newEntry(log *slog.Logger, dir *people.Directory, p *panelLink, record func(kind, badge string), threshold float64) (*entry, error) {
	ext, err := features.NewExtractor()
	if err != nil {
		return nil, err
	}
	return &entry{log: log, loc: palm.NewLocator(palm.DefaultConfig), ext: ext, people: dir, panel: p, record: record, armed: true, thresh: threshold}, nil
}

// handle decides once per presentation of a hand: guidance until the
// frame is good, then identification; the hand must leave before the next.
func (e *entry) handle(img *image.Gray) {
	obs, err := e.loc.Locate(img)
	if err != nil {
		e.log.Warn("camera frame unusable", "err", err)
		return
	}
	if !obs.Good() {
		e.guide(obs.Hints)
		return
	}
	e.guide(nil)
	if !e.armed {
		return
	}
	e.armed = false
	start := time.Now()
	probes, err := e.ext.Rotations(obs.ROI, probeRotations)
	if err != nil {
		e.log.Warn("coding the palm", "err", err)
		return
	}
	r := e.people.Gallery.Identify(probes, gallery.Options{Threshold: e.thresh, Shortlist: gallery.DefaultShortlist})
	took := time.Since(start).Round(time.Millisecond)
	if !r.Matched {
		e.log.Info("Not recognised", "took", took)
		e.record("Unsuccessful Recognition", "")
		return
	}
	e.log.Info("recognised", "took", took) // never the badge or the person
	e.record("Successful Recognition", r.Badge)
	e.send(r.Badge)
}

// guide shows the hints when they change; a hand that left re-arms.
func (e *entry) guide(hints []palm.Hint) {
	var s []string
	for _, h := range hints {
		s = append(s, string(h))
	}
	joined := strings.Join(s, ",")
	if joined == string(palm.HintNoHand) {
		e.armed = true
	}
	if joined != e.hints && joined != "" && joined != string(palm.HintNoHand) {
		e.log.Info("guidance", "hints", joined)
	}
	e.hints = joined
}

// send hands a badge ("FACILITY:CARD") to the panel.
func (e *entry) send(badge string) {
	if e.panel == nil {
		return
	}
	f, c, ok := strings.Cut(badge, ":")
	facility, ferr := strconv.ParseUint(f, 10, 64)
	card, cerr := strconv.ParseUint(c, 10, 64)
	if !ok || ferr != nil || cerr != nil {
		e.log.Error("enrolled badge is not FACILITY:CARD; nothing sent")
		return
	}
	if err := e.panel.pd.Send(wiegand.Badge{Facility: facility, Card: card}); err != nil {
		e.log.Error("sending the badge to the panel", "err", err)
	}
}
