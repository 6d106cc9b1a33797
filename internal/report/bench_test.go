package report_test

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/report"
	"github.com/weerbaar/weerbaar/internal/seedlarge"
)

// countingDiscard counts the package's bytes.
type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// addEvidence stores n file versions of size bytes each (incompressible
// hex of random md5s) on requirement 1.1 of the entity, by SQL, so a test
// can make an entity as large as it likes.
func addEvidence(t testing.TB, pool *pgxpool.Pool, entityID int64, n, size int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		_, err := pool.Exec(ctx, `WITH item AS (
				INSERT INTO evidence_items (entity_id, subject_type, subject_ref, kind, title)
				VALUES ($1, 'requirement', '1.1', 'file', 'Bulk ' || $2::text) RETURNING id),
			blob AS (SELECT convert_to(left(string_agg(md5(random()::text || g::text), ''), $3), 'UTF8') AS data
				FROM generate_series(1, ($3 / 32) + 1) g)
			INSERT INTO evidence_versions (item_id, entity_id, version_no, filename, content_type, size, sha256, data)
			SELECT item.id, $1, 1, 'bulk-' || $2::text || '.bin', 'application/octet-stream', octet_length(blob.data),
				encode(sha256(blob.data), 'hex'), blob.data FROM item, blob`, entityID, strconv.Itoa(i), size)
		if err != nil {
			t.Fatal(err)
		}
	}
}

// peakHeap samples HeapInuse every 5 ms while fn runs and returns the peak.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(stop)
	<-done
	return peak.Load()
}

// peakRSS runs fn and returns the process's peak resident set size while it
// ran (VmHWM of /proc/self/status after resetting it through
// /proc/self/clear_refs); 0 where Linux's /proc is not there.
func peakRSS(fn func()) uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	fn()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkExportLargeEntity builds the package of the largest entity of
// `weerbaar seed-large` (3,000 scenarios, 2,000 evidence items with their
// files, 500 incidents, 200 decisions, 100,000 audit rows), with its
// evidence files and without them (Options.WithoutFiles; issue 15's target:
// under 5 s), and reports its size, the queries it took and the process's
// peak RSS while building.
func BenchmarkExportLargeEntity(b *testing.B) {
	pool := dbtest.New(b)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	opts := seedlarge.Full(today)
	opts.Entities = 1
	res, err := seedlarge.Seed(context.Background(), pool, opts)
	if err != nil {
		b.Fatal(err)
	}
	id := res.Entities[0].ID
	// The verified points a running server keeps (its periodic full
	// verification): Collect verifies from them, the package writer in full.
	if err := verifyAll(context.Background(), pool); err != nil {
		b.Fatal(err)
	}
	key := testKey(b)
	now := time.Now().UTC()
	for _, c := range []struct {
		name         string
		withoutFiles bool
	}{{"files", false}, {"without-files", true}} {
		b.Run(c.name, func(b *testing.B) {
			var size int64
			var rss uint64
			queries := 0
			for b.Loop() {
				var w countingDiscard
				ctx := db.WithQueryCounter(context.Background())
				r := peakRSS(func() {
					if _, err := report.Build(ctx, pool, &w, report.Options{EntityID: id, Period: report.LastYear(now),
						Lang: i18n.NL, Now: now, Key: key, WithoutFiles: c.withoutFiles}); err != nil {
						b.Fatal(err)
					}
				})
				size, rss, queries = w.n, max(rss, r), db.QueryCount(ctx)
			}
			b.ReportMetric(float64(size)/(1<<20), "MB/package")
			b.ReportMetric(float64(rss)/(1<<20), "MB-peak-RSS")
			b.ReportMetric(float64(queries), "queries")
		})
	}
}

// BenchmarkExportPackage builds the demo's package (NL) and reports its size.
func BenchmarkExportPackage(b *testing.B) {
	pool := dbtest.New(b)
	id := demoEntity(b, pool)
	key := testKey(b)
	now := time.Now().UTC()
	var size int64
	b.ResetTimer()
	for range b.N {
		var w countingDiscard
		if _, err := report.Build(context.Background(), pool, &w, report.Options{EntityID: id, Period: report.LastYear(now),
			Lang: i18n.NL, Now: now, Key: key}); err != nil {
			b.Fatal(err)
		}
		size = w.n
	}
	b.ReportMetric(float64(size), "bytes/package")
}

// BenchmarkExportLargeEvidence builds the package of an entity holding
// WEERBAAR_BENCH_EVIDENCE_MB (default 200) files of 1 MB each and reports
// the peak heap in use while building: it stays near the single-file size
// whatever the volume, because files stream from the database one at a
// time into the ZIP.
func BenchmarkExportLargeEvidence(b *testing.B) {
	files := 200
	if v, err := strconv.Atoi(os.Getenv("WEERBAAR_BENCH_EVIDENCE_MB")); err == nil && v > 0 {
		files = v
	}
	pool := dbtest.New(b)
	id := demoEntity(b, pool)
	addEvidence(b, pool, id, files, 1<<20)
	key := testKey(b)
	now := time.Now().UTC()
	var size int64
	var peak, rss uint64
	b.ResetTimer()
	for range b.N {
		var w countingDiscard
		var p uint64
		r := peakRSS(func() {
			p = peakHeap(func() {
				if _, err := report.Build(context.Background(), pool, &w, report.Options{EntityID: id, Period: report.LastYear(now),
					Lang: i18n.EN, Now: now, Key: key}); err != nil {
					b.Fatal(err)
				}
			})
		})
		size, peak, rss = w.n, max(peak, p), max(rss, r)
	}
	b.ReportMetric(float64(size)/(1<<20), "MB/package")
	b.ReportMetric(float64(peak)/(1<<20), "MB-peak-heap")
	b.ReportMetric(float64(rss)/(1<<20), "MB-peak-RSS")
}

// TestCollectUsesAFixedNumberOfQueries: the Dataset costs the same number of
// queries with 3 or 30 more evidence files.
func TestCollectUsesAFixedNumberOfQueries(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	id := demoEntity(t, pool)
	now := time.Now().UTC()
	count := func() int {
		ctx := db.WithQueryCounter(context.Background())
		if _, err := report.Collect(ctx, pool, id, report.LastYear(now), i18n.NL, now); err != nil {
			t.Fatal(err)
		}
		return db.QueryCount(ctx)
	}
	addEvidence(t, pool, id, 3, 100)
	before := count()
	addEvidence(t, pool, id, 30, 100)
	after := count()
	if before != after || before == 0 || before > 30 {
		t.Errorf("Collect: %d queries, then %d with 30 more files; want the same, at most 30", before, after)
	}
	t.Logf("Collect: %d queries", before)
}

// verifyAll verifies every chain in full and records the verified points.
func verifyAll(ctx context.Context, pool db.Querier) error {
	res, err := audit.Verify(ctx, pool, 0, true)
	if err != nil {
		return err
	}
	return audit.RecordVerified(ctx, pool, res)
}
