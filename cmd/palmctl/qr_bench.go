package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"io"
	"slices"
	"time"

	"github.com/palmd/palmd/firmware/qr"
	"github.com/palmd/palmd/firmware/qr/qrtest"
)

// qrDecoder is one contender of the bench: a name and a single-frame
// decode.
type qrDecoder struct {
	name   string
	decode func(*image.Gray) (qr.Result, error)
}

// qrScore is one contender's figures on one category.
type qrScore struct {
	Decoded  int     `json:"decoded"`
	Rate     float64 `json:"rate"`
	MedianMS float64 `json:"median_ms"`
	P95MS    float64 `json:"p95_ms"`
}

// qrFrames is how many frames of a still phone the scanner needed.
type qrFrames struct {
	Read       int     `json:"read"`        // scenes read within the frame limit
	Median     float64 `json:"median"`      // frames to the first read, over the scenes read
	Max        int     `json:"max"`         // the most frames any read scene needed
	FrameMedMS float64 `json:"frame_ms"`    // median time the scanner spent on a frame
	FrameP99MS float64 `json:"frame_p99ms"` // its p99
}

// qrRow is one category of the bench.
type qrRow struct {
	Category string             `json:"category"`
	Scenes   int                `json:"scenes"`
	Single   map[string]qrScore `json:"single_frame"`
	Frames   *qrFrames          `json:"frames,omitempty"`

	ms map[string][]float64 // every single-frame time, for the overall row
}

func runQRBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("qr bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, qrUsage) }
	scenes := fs.Int("scenes", 50, "scenes per category")
	frames := fs.Int("frames", 30, "frames the scanner gets per scene (0: skip the frame count)")
	budget := fs.Int("budget", 40, "scanner time per frame, ms")
	attempts := fs.Bool("attempts", false, "also score every attempt of the cascade on its own")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *scenes < 1 || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	dec, err := qr.NewDecoder(qr.Config{})
	if err != nil {
		fmt.Fprintln(stderr, "palmctl qr bench:", err)
		return 1
	}
	defer dec.Close()
	contenders := benchContenders(dec, *attempts)
	var rows []qrRow
	for _, c := range qrtest.Categories() {
		if ctx.Err() != nil {
			return 1
		}
		row, err := benchCategory(dec, contenders, c, *scenes, *frames, time.Duration(*budget)*time.Millisecond)
		if err != nil {
			fmt.Fprintln(stderr, "palmctl qr bench:", err)
			return 1
		}
		rows = append(rows, row)
	}
	rows = append(rows, overall(rows, contenders))
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(map[string]any{"rows": rows}); err != nil {
			return 1
		}
		return 0
	}
	printQRTable(stdout, rows, contenders)
	return 0
}

// benchContenders is palmd's cascade and the references: bare gozxing
// with TRY_HARDER, and OpenCV's WeChat decoder alone.
func benchContenders(dec *qr.Decoder, attempts bool) []qrDecoder {
	only := func(name string) func(*image.Gray) (qr.Result, error) {
		return func(img *image.Gray) (qr.Result, error) { return dec.DecodeAttempt(img, name) }
	}
	cs := []qrDecoder{{"palmd", dec.Decode}, {"gozxing", only("hybrid")}}
	if qr.WeChatLinked {
		cs = append(cs, qrDecoder{"wechat", only("wechat")})
	}
	if attempts {
		for _, a := range qr.Attempts() {
			if a != "hybrid" && a != "wechat" {
				cs = append(cs, qrDecoder{a, only(a)})
			}
		}
	}
	return cs
}

func benchCategory(dec *qr.Decoder, cs []qrDecoder, c qrtest.Category, n, frames int, budget time.Duration) (qrRow, error) {
	row := qrRow{Category: string(c), Scenes: n, Single: map[string]qrScore{}, ms: map[string][]float64{}}
	ms := row.ms
	fr := qrFrames{}
	var counts, frameMS []float64
	for i := range n {
		s, err := qrtest.NewScene(c, uint64(i+1))
		if err != nil {
			return row, err
		}
		img, truth, err := s.Render(0)
		if err != nil {
			return row, err
		}
		for _, d := range cs {
			start := time.Now()
			r, err := d.decode(img)
			ms[d.name] = append(ms[d.name], msSince(start))
			sc := row.Single[d.name]
			if err == nil && r.Payload == truth.Payload {
				sc.Decoded++
			}
			row.Single[d.name] = sc
		}
		if frames > 0 {
			k, times, err := framesToRead(dec, s, truth.Payload, frames, budget)
			if err != nil {
				return row, err
			}
			frameMS = append(frameMS, times...)
			if k > 0 {
				fr.Read++
				counts = append(counts, float64(k))
				fr.Max = max(fr.Max, k)
			}
		}
	}
	for _, d := range cs {
		sc := row.Single[d.name]
		sc.Rate = float64(sc.Decoded) / float64(n)
		sc.MedianMS, sc.P95MS = quantile(ms[d.name], 0.5), quantile(ms[d.name], 0.95)
		row.Single[d.name] = sc
	}
	if frames > 0 {
		fr.Median = quantile(counts, 0.5)
		fr.FrameMedMS, fr.FrameP99MS = quantile(frameMS, 0.5), quantile(frameMS, 0.99)
		row.Frames = &fr
	}
	return row, nil
}

// framesToRead feeds consecutive frames of a still scene to a fresh
// scanner, as the reader's camera does, and returns the number of the
// frame that read the code (0: none within limit) and the time per frame.
func framesToRead(dec *qr.Decoder, s qrtest.Scene, payload string, limit int, budget time.Duration) (int, []float64, error) {
	sc := qr.NewScanner(dec, budget)
	var times []float64
	for f := range limit {
		img, _, err := s.Render(uint64(f))
		if err != nil {
			return 0, nil, err
		}
		start := time.Now()
		r, err := sc.Scan(img)
		times = append(times, msSince(start))
		if err == nil && r.Payload == payload {
			return f + 1, times, nil
		}
	}
	return 0, times, nil
}

// overall sums the categories.
func overall(rows []qrRow, cs []qrDecoder) qrRow {
	all := qrRow{Category: "overall", Single: map[string]qrScore{}}
	for _, r := range rows {
		all.Scenes += r.Scenes
	}
	for _, d := range cs {
		var sc qrScore
		var ms []float64
		for _, r := range rows {
			sc.Decoded += r.Single[d.name].Decoded
			ms = append(ms, r.ms[d.name]...)
		}
		sc.Rate = float64(sc.Decoded) / float64(all.Scenes)
		sc.MedianMS, sc.P95MS = quantile(ms, 0.5), quantile(ms, 0.95)
		all.Single[d.name] = sc
	}
	return all
}

func printQRTable(w io.Writer, rows []qrRow, cs []qrDecoder) {
	fmt.Fprintf(w, "%-9s %6s", "category", "scenes")
	for _, d := range cs {
		fmt.Fprintf(w, " | %-12s %6s %6s", d.name, "med ms", "p95")
	}
	fmt.Fprintf(w, " | %s\n", "frames: read, median, max, ms/frame med p99")
	for _, r := range rows {
		fmt.Fprintf(w, "%-9s %6d", r.Category, r.Scenes)
		for _, d := range cs {
			sc := r.Single[d.name]
			fmt.Fprintf(w, " | %5.1f%% (%3d) %6.1f %6.1f", 100*sc.Rate, sc.Decoded, sc.MedianMS, sc.P95MS)
		}
		if f := r.Frames; f != nil {
			fmt.Fprintf(w, " | %3d/%d %4.1f %3d %5.1f %5.1f", f.Read, r.Scenes, f.Median, f.Max, f.FrameMedMS, f.FrameP99MS)
		}
		fmt.Fprintln(w)
	}
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

// quantile is the q-quantile of v by the nearest rank; 0 for none.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}
