package gallery

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
)

// fill enrols people with templatesEach captures, drawn from a pool of
// identities (the search time does not depend on who they are).
func fill(b *testing.B, g *Gallery, people, templatesEach int) []*templatetest.Identity {
	rng := rand.New(rand.NewPCG(11, 11))
	pool := make([]*templatetest.Identity, 2000)
	for i := range pool {
		pool[i] = templatetest.NewIdentity(rng)
	}
	for i := range people {
		id := pool[i%len(pool)]
		ts := make([]template.Template, templatesEach)
		for k := range ts {
			ts[k] = id.Capture(rng, 0.15, 1)
		}
		if err := g.Put(Person{ID: fmt.Sprint("p", i), Badge: "x", Templates: ts}); err != nil {
			b.Fatal(err)
		}
	}
	return pool
}

// BenchmarkIdentify100k: one probe against 100,000 templates on one core,
// coarse-to-fine and exhaustive.
func BenchmarkIdentify100k(b *testing.B) {
	g := New()
	pool := fill(b, g, 100000, 1)
	rng := rand.New(rand.NewPCG(12, 12))
	for _, mode := range []struct {
		name      string
		shortlist int
	}{{"shortlist", DefaultShortlist}, {"exhaustive", 0}} {
		b.Run(mode.name, func(b *testing.B) {
			var took []time.Duration
			for i := range b.N {
				probe := match.Probe{Codes: []template.Template{pool[i%len(pool)].Capture(rng, 0.2, 2)}}
				start := time.Now()
				r := g.Identify(probe, Options{Threshold: threshold, Shortlist: mode.shortlist, Workers: 1})
				took = append(took, time.Since(start))
				if !r.Matched {
					b.Fatalf("probe not matched: %+v", r)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2])/1e6, "median-ms")
			b.ReportMetric(float64(took[(len(took)-1)*99/100])/1e6, "p99-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkMemory100kPeople: resident memory for 100,000 people with two
// hands of two templates each.
func BenchmarkMemory100kPeople(b *testing.B) {
	for range b.N {
		runtime.GC()
		before := rss(b)
		g := New()
		g.Reserve(400000)
		fill(b, g, 100000, 4)
		debug.FreeOSMemory() // garbage of the fill is not the gallery's
		b.ReportMetric(float64(rss(b)-before)/(1<<20), "MiB-RSS")
		_, n := g.Len()
		b.ReportMetric(float64(n), "templates")
		runtime.KeepAlive(g)
	}
	b.ReportMetric(0, "ns/op")
}

// rss reads the process's resident set size in bytes.
func rss(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	b.Skip("no VmRSS")
	return 0
}

// BenchmarkShortlist10k is a search's coarse pass alone at 10,000 people
// (two templates each), one core: a probe's three codes (as the reader
// codes at 0 and ±2°) at every coarse shift against every summary.
func BenchmarkShortlist10k(b *testing.B) {
	g := New()
	pool := fill(b, g, 10000, 2)
	rng := rand.New(rand.NewPCG(13, 13))
	codes := make([]*template.Template, 3)
	for i := range codes {
		c := pool[7].Capture(rng, 0.2, 2)
		codes[i] = &c
	}
	for b.Loop() {
		if got := g.shortlist(codes, Options{Shortlist: DefaultShortlist, Workers: 1}); len(got) != DefaultShortlist {
			b.Fatalf("shortlist of %d", len(got))
		}
	}
}
