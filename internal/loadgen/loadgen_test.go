package loadgen

import (
	"strings"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{lat, 50, 50 * time.Millisecond},
		{lat, 95, 95 * time.Millisecond},
		{lat, 99, 99 * time.Millisecond},
		{lat, 100, 100 * time.Millisecond},
		{lat, 0.5, time.Millisecond},
		{lat[:3], 50, 2 * time.Millisecond}, // rank ceil(1.5) = 2
		{lat[:3], 99, 3 * time.Millisecond},
		{lat[:1], 50, time.Millisecond},
		{nil, 50, 0},
	} {
		if got := Percentile(c.samples, c.p); got != c.want {
			t.Errorf("p%g of %d samples = %v, want %v", c.p, len(c.samples), got, c.want)
		}
	}
}

// sampleReport has the readyz baseline at 1000 and 4000 req/s and two pages:
// one meeting every target, one missing them.
func sampleReport() Report {
	run := func(conns int, rps float64, p95 time.Duration) Stats {
		return Stats{Conns: conns, PerSecond: rps, P50: p95 / 2, P95: p95, P99: p95 * 2, Requests: int(rps * 3)}
	}
	return Report{
		Date: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), Commit: "abc1234", Conns: []int{1, 32},
		Warmup: 500 * time.Millisecond, Duration: 3 * time.Second, Elapsed: 200 * time.Second, ReadyAfter: 420 * time.Millisecond,
		Machine:  Machine{CPU: "Test CPU", Cores: 2, MemoryGiB: 7.5, Go: "go1.26", PostgreSQL: "15.9", LoadBefore: "1.00, 1.00, 1.00", LoadAfter: "2.00, 1.50, 1.00"},
		Baseline: "readyz",
		Rows: []Row{
			{Page: "readyz", Path: "/readyz", Status: 200, Baseline: true, Queries: 1,
				Runs: []Stats{run(1, 1000, time.Millisecond), run(32, 4000, 9*time.Millisecond)}},
			{Page: "Fast", Path: "/fast?a=1|2", Role: "officer", Status: 200, Queries: 3, OneConnTarget: 10 * time.Millisecond,
				Runs: []Stats{run(1, 500, 4*time.Millisecond), run(32, 2000, 15*time.Millisecond)}},
			{Page: "Slow", Path: "/slow", Role: "auditor", Status: 200, Queries: -1,
				Runs: []Stats{run(1, 50, 30*time.Millisecond), {Conns: 32, PerSecond: 100, P95: 50 * time.Millisecond, Errors: 2, FirstErr: "status 500"}}},
			{Page: "Broken", Path: "/broken", Role: "officer", Status: 404, Queries: 2},
			{Page: "Crawl", Path: "/crawl", Role: "officer", Status: 200, Queries: 8,
				Runs: []Stats{run(1, 0.25, 4*time.Second)}, NotRun: []int{32}, NotRunWhy: "p50 2.00 s at 1 connection"},
		},
	}
}

func TestMarkdownTables(t *testing.T) {
	md := sampleReport().Markdown()
	for _, want := range []string{
		"commit `abc1234` (clean)",
		"Test CPU, 2 cores, 7.5 GiB memory; go1.26; PostgreSQL 15.9.",
		"before the run 1.00, 1.00, 1.00, after it 2.00, 1.50, 1.00",
		"at 1 and 32 concurrent",
		"took 3m20s",
		"- **Ready after start:** 420ms from starting the server (migrations already applied) to its first `/readyz` 200, polled every 10 ms (target < 1s: met).",
		// Results: the page named once, a line per run, ratio to readyz at the same concurrency.
		"| Fast | `/fast?a=1\\|2` | officer | 3 | 1 | 1500 | 500 | 2.00 | 4.00 | 8.00 | 50.0 % | 0 |\n|  |  |  |  | 32 | 6000 | 2000 | 7.50 | 15.0 | 30.0 | 50.0 % | 0 |",
		"| Slow | `/slow` | auditor | ? | 1 | 150 | 50 |",
		"| 32 | 0 | 100 | 0.00 | 50.0 | 0.00 | 2.5 % | **2** (status 500) |",
		"| Broken | `/broken` | officer | 2 | – | not timed: status 404 |",
		// Targets.
		"| Fast | 50.0 % | 15.0 ms | met |",
		"| Fast at 1 connection (target p95 < 10ms) | – | 4.00 ms | met |",
		"| Slow | 2.5 % | 50.0 ms | **missed** (req/s 10.0×, p95 2.5×, 2 errors off) |",
		"| Broken | – | – | **missed**: not measured (status 404) |",
		"| Crawl | `/crawl` | officer | 8 | 1 | 0 | 0.2 | 2000.0 |",
		"|  |  |  |  | 32 | – | not run: p50 2.00 s at 1 connection |",
		"| Crawl | – | – | **missed**: not run at 32 connections (p50 2.00 s at 1 connection) |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "| readyz | 100.0 %") {
		t.Errorf("the baseline is judged against the targets:\n%s", md)
	}
	rep := sampleReport()
	rep.Dirty = true
	if !strings.Contains(rep.Markdown(), "(uncommitted changes)") {
		t.Error("a dirty tree is not said")
	}
	rep.ReadyAfter = 2500 * time.Millisecond
	if !strings.Contains(rep.Markdown(), "(target < 1s: **missed** (2.5× off))") {
		t.Errorf("a slow start is not said:\n%s", rep.Markdown())
	}
}

func TestReplaceSection(t *testing.T) {
	doc := "# Performance\n\nHand-written intro.\n\n" + BeginMarker + "\nold table\n" + EndMarker + "\n\nHand-written notes.\n"
	got, err := ReplaceSection(doc, "new table\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Performance\n\nHand-written intro.\n\n" + BeginMarker + "\nnew table\n" + EndMarker + "\n\nHand-written notes.\n"
	if got != want {
		t.Errorf("replaced:\n%s\nwant:\n%s", got, want)
	}
	again, err := ReplaceSection(got, "new table")
	if err != nil || again != got {
		t.Errorf("a second run with the same table changed the document: %v\n%s", err, again)
	}

	got, err = ReplaceSection("# Performance\nIntro.", "table")
	if err != nil || got != "# Performance\nIntro.\n\n"+BeginMarker+"\ntable\n"+EndMarker+"\n" {
		t.Errorf("without markers: %v\n%q", err, got)
	}
	for _, broken := range []string{
		"intro\n" + BeginMarker + "\nno end",
		"intro\n" + EndMarker + "\nno begin",
		EndMarker + "\n" + BeginMarker + "\n",
	} {
		if _, err := ReplaceSection(broken, "table"); err == nil {
			t.Errorf("a document with a lone or reversed marker was accepted: %q", broken)
		}
	}
}
