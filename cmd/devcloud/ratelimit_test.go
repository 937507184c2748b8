package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestLimiterRefills: a source gets its burst, is refused beyond it, gets
// one call a second after, and the refusals are counted for the next call
// let through; other sources are not affected.
func TestLimiterRefills(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(1, 3)
		for i := range 3 {
			if ok, _ := l.allow("a", time.Now()); !ok {
				t.Fatalf("call %d of the burst refused", i)
			}
		}
		for want := 1; want <= 4; want++ {
			if ok, refused := l.allow("a", time.Now()); ok || refused != want {
				t.Fatalf("call beyond the burst: ok %v, refused %d, want %d", ok, refused, want)
			}
		}
		if ok, _ := l.allow("b", time.Now()); !ok {
			t.Fatal("another source was refused")
		}
		time.Sleep(time.Second)
		if ok, refused := l.allow("a", time.Now()); !ok || refused != 4 {
			t.Fatalf("after a second: ok %v, refused %d, want 4", ok, refused)
		}
		if ok, _ := l.allow("a", time.Now()); ok {
			t.Fatal("a second call in the same second was let through")
		}
	})
}

// TestLimiterBoundsItsTable: many sources at once share one bucket
// instead of growing the table without bound.
func TestLimiterBoundsItsTable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(1, 2)
		l.maxSources = 10
		allowed := 0
		for i := range 1000 {
			if ok, _ := l.allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256), time.Now()); ok {
				allowed++
			}
		}
		if len(l.sources) > 11 || allowed != 10+2 {
			t.Fatalf("%d sources kept, %d calls allowed; want at most 11 and 12", len(l.sources), allowed)
		}
		time.Sleep(time.Minute) // every bucket refills: the idle ones go
		l.allow("fresh", time.Now())
		if len(l.sources) != 1 {
			t.Fatalf("%d sources kept after they went idle", len(l.sources))
		}
	})
}

// TestUnauthenticatedCallsThrottled: calls without a key cannot grow the
// audit log faster than the limit; calls with a key are not throttled.
func TestUnauthenticatedCallsThrottled(t *testing.T) {
	svc := startService(t, "", "")
	nobody := *svc.admin
	nobody.key = "pk_wrong"
	codes := map[string]int{}
	start := time.Now()
	for range 200 {
		err := nobody.call(context.Background(), "GET", "/manage/sites", nil, nil)
		codes[strings.Fields(err.Error() + " x x x")[2]]++
	}
	// The bucket refills at one call a second while the test runs.
	refill := int(time.Since(start)/time.Second) + 1
	if codes["401"] < unauthBurst || codes["401"] > unauthBurst+refill || codes["401"]+codes["429"] != 200 {
		t.Fatalf("answers %v in %v, want %d (+%d) × 401, the rest 429", codes, time.Since(start), unauthBurst, refill)
	}
	for range 50 {
		svc.must("GET", "/manage/sites", nil, nil)
	}
	var page struct {
		Events    []auditEntry
		NextToken string
	}
	svc.must("GET", "/manage/audit?maxResults=1000", nil, &page)
	unknown, throttled := 0, 0
	for _, e := range page.Events {
		switch e.Error {
		case "UnrecognizedClientException":
			unknown++
		case "ThrottlingException":
			throttled++
		}
	}
	// One entry opens each run of refusals; a refill can end a run.
	if unknown != codes["401"] || throttled < 1 || throttled > 1+codes["401"]-unauthBurst {
		t.Fatalf("audit log: %d unknown-key entries and %d throttling entries for answers %v", unknown, throttled, codes)
	}
}

// TestAuditLogPaged: the audit log comes in pages that together hold
// every entry once, in order.
func TestAuditLogPaged(t *testing.T) {
	svc := startService(t, "", "")
	for range 249 {
		svc.must("GET", "/manage/sites", nil, nil)
	}
	var all []auditEntry
	token, pages := "", 0
	for {
		var page struct {
			Events    []auditEntry
			NextToken string
		}
		svc.must("GET", "/manage/audit?maxResults=100&nextToken="+token, nil, &page)
		all, token, pages = append(all, page.Events...), page.NextToken, pages+1
		if token == "" {
			break
		}
	}
	// 249 calls, then the 3 page reads, each audited before it answers.
	if len(all) != 252 || pages != 3 {
		t.Fatalf("%d entries in %d pages, want 252 in 3", len(all), pages)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Time.Before(all[i-1].Time) {
			t.Fatalf("entry %d is older than entry %d", i, i-1)
		}
	}
	for _, q := range []string{"maxResults=0", "maxResults=1001", "maxResults=x", "nextToken=abc"} {
		err := svc.admin.call(context.Background(), "GET", "/manage/audit?"+q, nil, nil)
		if err == nil || !strings.Contains(err.Error(), "400") {
			t.Errorf("%s: %v, want 400", q, err)
		}
	}
}
