package features

import (
	"errors"
	"image"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"gocv.io/x/gocv"

	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/template"
)

// stripes draws dark lines 3 px wide every 32 px along direction phi
// (degrees) on a mid-grey ROI with a little noise; onLine reports whether
// a cell's centre lies on a line.
func stripes(phi float64, seed uint64) *image.Gray {
	img, _ := stripesAndLines(phi, seed)
	return img
}

func stripesAndLines(phi float64, seed uint64) (*image.Gray, func(r, c int) bool) {
	rng := rand.New(rand.NewPCG(seed, seed))
	img := image.NewGray(image.Rect(0, 0, ROISize, ROISize))
	nx, ny := -math.Sin(phi*math.Pi/180), math.Cos(phi*math.Pi/180) // normal to the lines
	for y := range ROISize {
		for x := range ROISize {
			v := 150.0
			if lineDist(float64(x), float64(y), nx, ny) < 1.5 {
				v = 70
			}
			img.Pix[y*img.Stride+x] = uint8(v + rng.NormFloat64()*6)
		}
	}
	return img, func(r, c int) bool { return lineDist(float64(c*4)+1.5, float64(r*4)+1.5, nx, ny) < 2 }
}

// lineDist is the distance from (x, y) to the nearest line centre.
func lineDist(x, y, nx, ny float64) float64 {
	d := math.Mod(x*nx+y*ny+1000*32, 32)
	return min(d, 32-d)
}

func extractor(t testing.TB) *Extractor {
	e, err := NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// TestOrientationOfLines: lines along phi win the filter at phi-90°.
func TestOrientationOfLines(t *testing.T) {
	e := extractor(t)
	for k := range template.Orientations {
		phi := float64(k) * 30
		want := ((k + 3) % template.Orientations)
		img, onLine := stripesAndLines(phi, uint64(k))
		tm, err := e.Template(img)
		if err != nil {
			t.Fatal(err)
		}
		agree, valid := 0, 0
		for r := range template.Rows {
			for c := range template.Cols {
				if o, ok := tm.Orientation(r, c); ok && onLine(r, c) {
					valid++
					if o == want {
						agree++
					}
				}
			}
		}
		if valid < 20 || float64(agree) < 0.9*float64(valid) {
			t.Errorf("lines at %v°: %d of %d valid cells on the lines say orientation %d", phi, agree, valid, want)
		}
	}
}

func TestFlatAndOutsideAreMasked(t *testing.T) {
	e := extractor(t)
	img := stripes(45, 1)
	for y := range ROISize {
		for x := range ROISize / 2 {
			img.Pix[y*img.Stride+x] = 0 // left half outside the hand
		}
	}
	tm, err := e.Template(img)
	if err != nil {
		t.Fatal(err)
	}
	for r := range template.Rows {
		for c := range template.Cols / 2 {
			if _, ok := tm.Orientation(r, c); ok {
				t.Fatalf("cell (%d,%d) outside the hand is valid", r, c)
			}
		}
	}
	flat := image.NewGray(image.Rect(0, 0, ROISize, ROISize))
	for i := range flat.Pix {
		flat.Pix[i] = 120
	}
	if tm, _ := e.Template(flat); tm.Valid() != 0 {
		t.Errorf("a flat ROI has %d valid cells", tm.Valid())
	}
	if _, err := e.Template(image.NewGray(image.Rect(0, 0, 64, 64))); !errors.Is(err, ErrSize) {
		t.Errorf("64×64 ROI: %v", err)
	}
}

// TestRotationsAbsorbRotation: an ROI rotated by 12° matches its original
// best at the -12° variant.
func TestRotationsAbsorbRotation(t *testing.T) {
	e := extractor(t)
	base := curves(3)
	ref, err := e.Template(base)
	if err != nil {
		t.Fatal(err)
	}
	turned, err := rotate(base, 12)
	if err != nil {
		t.Fatal(err)
	}
	variants, err := e.Rotations(turned, []float64{-12, 0, 12})
	if err != nil {
		t.Fatal(err)
	}
	d := make([]float64, len(variants))
	for i := range variants {
		d[i] = match.Fine(&ref, &variants[i], 2)
	}
	if d[0] >= d[1] || d[0] >= d[2] || d[0] > 0.2 {
		t.Errorf("distances at -12°, 0°, +12°: %.3f %.3f %.3f", d[0], d[1], d[2])
	}
}

// curves draws a palm-like pattern: a few dark arcs of different
// curvature over grey skin.
func curves(seed uint64) *image.Gray {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewGray(image.Rect(0, 0, ROISize, ROISize))
	for i := range img.Pix {
		img.Pix[i] = uint8(150 + rng.NormFloat64()*5)
	}
	arcs(img, rng, 9, 1.5, 70)
	return img
}

// arcs draws n arcs of random centre and radius, halfWidth pixels each
// side of the circle, at grey level v.
func arcs(img *image.Gray, rng *rand.Rand, n int, halfWidth float64, v uint8) {
	for range n {
		cx, cy := rng.Float64()*ROISize*2-ROISize/2, rng.Float64()*ROISize*2-ROISize/2
		rad := 40 + rng.Float64()*120
		for a := 0.0; a < 2*math.Pi; a += 0.002 {
			for w := -halfWidth; w <= halfWidth; w += 0.5 {
				x, y := int(cx+(rad+w)*math.Cos(a)), int(cy+(rad+w)*math.Sin(a))
				if x >= 0 && y >= 0 && x < ROISize && y < ROISize {
					img.Pix[y*img.Stride+x] = v
				}
			}
		}
	}
}

func BenchmarkTemplate(b *testing.B) {
	e := extractor(b)
	img := curves(1)
	for b.Loop() {
		if _, err := e.Template(img); err != nil {
			b.Fatal(err)
		}
	}
}

// TestProbeHalfCells: a palm cut 2 pixels off matches the enrolment's
// code on the probe's half-cell grid as well as when cut right, where
// the whole-cell grid alone does not; the capture as cut sits in the
// middle, as gallery.Identify expects.
func TestProbeHalfCells(t *testing.T) {
	e := extractor(t)
	base := curves(5)
	enrolled, err := e.Template(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []image.Point{{X: 2}, {Y: 2}, {X: 2, Y: 2}} {
		moved := moved(base, off)
		probe, err := e.Probe(moved, []float64{-4, 0, 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(probe.Codes) != 12 {
			t.Fatalf("%d codes, want 3 rotations × 4 grids", len(probe.Codes))
		}
		asCut, _ := e.Template(moved)
		if !probe.AsCut().Equal(&asCut) {
			t.Error("the middle code is not the capture as cut")
		}
		best := probe.Distance(&enrolled, 2)
		whole := match.Fine(&asCut, &enrolled, 2)
		if best > 0.05 || whole < best+0.05 {
			t.Errorf("cut %v off: %.3f with the half-cell grids, %.3f on the whole-cell grid", off, best, whole)
		}
	}
	if _, err := e.Probe(base, []float64{-4, 4}); err == nil {
		t.Error("probes without the capture as cut")
	}
}

// TestProbeQuarterCells: a palm cut 1 pixel off, either way along
// either axis, lies between the half-cell grids; refining the alignment
// on the aligned code's one-pixel neighbours finds it, which fails when
// a neighbour's grid or cell shift is wrong. The ROI is filtered as cut:
// the moved ROI's black margin changes what non-local means averages near
// it, and the test is of the grids.
func TestProbeQuarterCells(t *testing.T) {
	e := extractor(t)
	e.Denoise = 0
	base := curves(5)
	enrolled, err := e.Template(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []image.Point{{X: 1}, {X: -1}, {Y: 1}, {Y: -1}, {X: 3, Y: -1}, {X: -3, Y: 1}} {
		probe, err := e.Probe(moved(base, off), []float64{-4, 0, 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(probe.Near) != len(probe.Codes) || len(probe.Near[0]) != 8 {
			t.Fatalf("%d codes with %d neighbour lists of %d, want 8 each", len(probe.Codes), len(probe.Near), len(probe.Near[0]))
		}
		a := probe.Align(&enrolled, 2)
		refined := probe.Refine(&enrolled, a)
		if refined > 0.03 || a.Distance < refined+0.03 {
			t.Errorf("cut %v off: %.3f on the half-cell grids, %.3f refined", off, a.Distance, refined)
		}
		if d := probe.Distance(&enrolled, 2); d != refined {
			t.Errorf("cut %v off: Distance %.3f, not the refined %.3f", off, d, refined)
		}
	}
}

// moved is img as a ROI landed off by off shows it: its pixel (x, y) is
// img's (x-off).
func moved(img *image.Gray, off image.Point) *image.Gray {
	m := image.NewGray(img.Rect)
	for y := range ROISize {
		for x := range ROISize {
			m.Pix[y*m.Stride+x] = img.GrayAt(x-off.X, y-off.Y).Y
		}
	}
	return m
}

// TestPoolingAsBefore: on the grid as cut, the cell averages are what
// OpenCV's area resize gave before the half-cell grids: the grid as cut
// is the plain 4×4 average, and only the moved grids average other
// pixels.
func TestPoolingAsBefore(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	v := make([]float32, ROISize*ROISize)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * 100)
	}
	src, err := gocv.NewMatFromBytes(ROISize, ROISize, gocv.MatTypeCV32F, float32Bytes(v))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	small := gocv.NewMat()
	defer small.Close()
	gocv.Resize(src, &small, image.Pt(template.Cols, template.Rows), 0, 0, gocv.InterpolationArea)
	want, err := small.DataPtrFloat32()
	if err != nil {
		t.Fatal(err)
	}
	sums := make([]float64, integralSize)
	integral(v, sums)
	got := poolCells(sums, image.Point{})
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-3 {
			t.Fatalf("cell %d: %.4f pooled, %.4f by area resize", i, got[i], want[i])
		}
	}
	if moved := poolCells(sums, image.Pt(2, 0)); moved[0] == got[0] {
		t.Error("the half-cell grid averages the same pixels")
	}
}

// BenchmarkProbe: one ROI coded as the reader codes a probe, at
// ProbeRotations with every code's one-pixel neighbours, denoised (as the
// reader codes) and as cut (what the denoising costs).
func BenchmarkProbe(b *testing.B) {
	for _, name := range []string{"denoised", "as-cut"} {
		b.Run(name, func(b *testing.B) {
			e := extractor(b)
			if name == "as-cut" {
				e.Denoise = 0
			}
			img := curves(1)
			for b.Loop() {
				if _, err := e.Probe(img, ProbeRotations); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestQuantile: selection gives the nearest-rank quantile a sort gives,
// ties and repeats included, and so does selecting the 0.1-quantile
// among what selecting the median left below it.
func TestQuantile(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{1, 2, 3, 10, 1024} {
		for _, spread := range []int{2, 1000} {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(rng.IntN(spread))
			}
			sorted := slices.Sorted(slices.Values(v))
			for _, q := range []float64{0, 0.1, 0.5, 1} {
				want := sorted[int(q*float64(n-1))]
				if got := quantile(slices.Clone(v), q); got != want {
					t.Errorf("n %d, spread %d: quantile %.1f is %v, want %v", n, spread, q, got, want)
				}
			}
			median, tenth := quantiles(slices.Clone(v))
			if wm, wt := sorted[(n-1)/2], sorted[int(0.1*float64(n-1))]; median != wm || tenth != wt {
				t.Errorf("n %d, spread %d: quantiles %v, %v, want %v, %v", n, spread, median, tenth, wm, wt)
			}
		}
	}
}

// TestTurnedResponses: coding a turned ROI from the responses of the ROI
// as cut (Extractor.codes) gives nearly the code of filtering the turned
// ROI itself, at the angles a probe is coded at and beyond. The bounds
// are about twice what it gives; mixing the filters the wrong way round
// gives more than them at 4° and 12° (0.095 and 0.27 at least).
func TestTurnedResponses(t *testing.T) {
	e := extractor(t)
	bound := map[float64]float64{2: 0.06, 4: 0.08, 12: 0.18}
	for _, seed := range []uint64{3, 4, 5} {
		base := curves(seed)
		for _, deg := range []float64{-12, -4, -2, 2, 4, 12} {
			img, err := rotate(base, deg)
			if err != nil {
				t.Fatal(err)
			}
			filtered, err := e.Template(img)
			if err != nil {
				t.Fatal(err)
			}
			ts, err := e.Rotations(base, []float64{deg})
			if err != nil {
				t.Fatal(err)
			}
			if d := match.Fine(&filtered, &ts[0], 0); d > bound[math.Abs(deg)] {
				t.Errorf("seed %d, %+.0f°: distance %.3f from the filtered turned ROI, want ≤ %.2f", seed, deg, d, bound[math.Abs(deg)])
			}
		}
	}
}

// TestMixFilters: mixing in place gives what mixing into fresh slices
// does, for every starting filter (the last orientation wraps round to
// the first filter, which the first step has overwritten).
func TestMixFilters(t *testing.T) {
	for lo := range template.Orientations {
		for _, frac := range []float32{0, 0.25, 0.5} {
			var in, want [template.Orientations][]float32
			for o := range in {
				in[o] = []float32{float32(o), float32(10 * o)}
			}
			for o := range want {
				a, b := in[(o+lo)%template.Orientations], in[(o+lo+1)%template.Orientations]
				want[o] = []float32{(1-frac)*a[0] + frac*b[0], (1-frac)*a[1] + frac*b[1]}
			}
			if got := mixFilters(in, lo, frac); !reflect.DeepEqual(got, want) {
				t.Errorf("lo %d, frac %.2f: %v, want %v", lo, frac, got, want)
			}
		}
	}
}

// TestOutside: the zero-count table marks exactly the cells a scan of
// their pixels marks, on every grid offset: those touching a pixel off
// the hand, and those running off the ROI.
func TestOutside(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	roi := curves(3)
	for range 300 { // holes of one pixel, and a corner off the hand
		roi.Pix[rng.IntN(len(roi.Pix))] = 0
	}
	for y := range 20 {
		for x := range 30 {
			roi.Pix[y*roi.Stride+x] = 0
		}
	}
	z := zeroCounts(roi)
	for _, off := range pixelGrids {
		got := outside(&z, off)
		for r := range template.Rows {
			for c := range template.Cols {
				want := false
				for y := r*cellPixels + off.Y; y < (r+1)*cellPixels+off.Y; y++ {
					for x := c*cellPixels + off.X; x < (c+1)*cellPixels+off.X; x++ {
						want = want || y >= ROISize || x >= ROISize || roi.Pix[y*roi.Stride+x] == 0
					}
				}
				if got[r*template.Cols+c] != want {
					t.Fatalf("offset %v, cell (%d,%d): outside %v, want %v", off, r, c, got[r*template.Cols+c], want)
				}
			}
		}
	}
}
