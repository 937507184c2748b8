package eval

import (
	"math"
	"testing"
)

func TestRates(t *testing.T) {
	s := Scores{Genuine: []float64{0.1, 0.2, 0.3, 0.45}, Impostor: []float64{0.35, 0.4, 0.5, 0.5, 0.55}}
	s.Sort()
	for _, tc := range []struct {
		t, fmr, fnmr float64
	}{
		{0.05, 0, 1},
		{0.3, 0, 0.5},
		{0.36, 0.2, 0.25},
		{0.5, 0.4, 0},
		{1, 1, 0},
	} {
		if f, g := s.FMR(tc.t), s.FNMR(tc.t); math.Abs(f-tc.fmr) > 1e-12 || math.Abs(g-tc.fnmr) > 1e-12 {
			t.Errorf("t=%.2f: FMR %.3f FNMR %.3f, want %.3f %.3f", tc.t, f, g, tc.fmr, tc.fnmr)
		}
	}
	rate, th := s.EER()
	if rate < 0.2 || rate > 0.25 || th < 0.35 || th > 0.45 {
		t.Errorf("EER %.3f at %.3f", rate, th)
	}
}

func TestEERSeparated(t *testing.T) {
	s := Scores{Genuine: []float64{0.1, 0.15}, Impostor: []float64{0.4, 0.5}}
	s.Sort()
	if rate, _ := s.EER(); rate != 0 {
		t.Errorf("separated scores: EER %.3f", rate)
	}
}

func TestFNMRAt(t *testing.T) {
	var s Scores
	for i := range 1000 {
		s.Impostor = append(s.Impostor, 0.3+float64(i)/10000) // 0.3 .. 0.3999
	}
	for i := range 100 {
		s.Genuine = append(s.Genuine, 0.2+float64(i)/1000) // 0.2 .. 0.299
	}
	s.Genuine = append(s.Genuine, 0.305) // one genuine among the impostors
	s.Sort()
	fnmr, th, ok := s.FNMRAt(1e-3)
	if !ok || s.FMR(th) > 1e-3 || math.Abs(fnmr-1.0/101) > 1e-9 {
		t.Errorf("FNMR@1e-3 = %.4f at %.4f (FMR %.4f), ok %v", fnmr, th, s.FMR(th), ok)
	}
	if _, _, ok := s.FNMRAt(1e-5); ok {
		t.Error("claimed FNMR at 1e-5 from 1000 impostor comparisons")
	}
}

// TestSecondLookDecision: a frame is decided on its first search when
// that matched, and on its second look only when it did not, as the
// reader decides it.
func TestSecondLookDecision(t *testing.T) {
	const th = 0.2
	for _, tc := range []struct {
		name           string
		s              searchOutcome
		matched, right bool
	}{
		{"first search matched its own hand", searchOutcome{distance: 0.1, second: 0.1, own: true, secondOwn: true}, true, true},
		{"first search matched another: the second look is not run", searchOutcome{distance: 0.15, second: 0.05, own: false, secondOwn: true}, true, false},
		{"second look found its own hand", searchOutcome{distance: 0.25, second: 0.12, own: false, secondOwn: true}, true, true},
		{"second look found another", searchOutcome{distance: 0.25, second: 0.12, own: true, secondOwn: false}, true, false},
		{"neither below the threshold", searchOutcome{distance: 0.3, second: 0.21, own: true, secondOwn: true}, false, true},
	} {
		matched, own := tc.s.found(th)
		if matched != tc.matched || (matched && own != tc.right) {
			t.Errorf("%s: matched %v (own hand %v), want %v (%v)", tc.name, matched, own, tc.matched, tc.right)
		}
	}
	fnir, fpir := rates([]searchOutcome{
		{distance: 0.1, second: 0.1, own: true, secondOwn: true},
		{distance: 0.25, second: 0.12, secondOwn: true},
		{distance: 0.15, second: 0.05, secondOwn: true},
		{distance: 0.4, second: 0.4},
	}, []float64{0.19, 0.3}, th)
	if fnir != 0.5 || fpir != 0.5 {
		t.Errorf("FNIR %.2f, FPIR %.2f; want 0.50, 0.50", fnir, fpir)
	}
}

func TestNearStats(t *testing.T) {
	for _, tc := range []struct {
		near       []int
		share      float64
		p95, large int
	}{
		{[]int{0, 3, 0, 1}, 0.5, 1, 3},
		{[]int{0, 0}, 0, 0, 0},
		{[]int{2}, 1, 2, 2},
	} {
		var r Report
		r.nearStats(tc.near)
		if r.NearShare != tc.share || r.NearP95 != tc.p95 || r.NearMax != tc.large {
			t.Errorf("%v: share %g, p95 %d, largest %d; want %g, %d, %d", tc.near, r.NearShare, r.NearP95, r.NearMax, tc.share, tc.p95, tc.large)
		}
	}
}
