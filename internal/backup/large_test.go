package backup_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/measure"
)

// Size of the generated dataset on top of the demo.
const (
	largeFiles     = 500
	largeFileBytes = 64 << 10
	largeAudit     = 5000
)

// growDemo adds largeFiles evidence uploads of random (incompressible)
// content and largeAudit audit rows with awkward text (tabs, newlines,
// backslashes, non-ASCII) to the demo entity, through the evidence store
// and audit.Record, as the app would.
func growDemo(t *testing.T, pool *pgxpool.Pool, entityID int64) {
	t.Helper()
	ctx := context.Background()
	var officerID int64
	if err := pool.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, demo.Accounts[1].Email).Scan(&officerID); err != nil {
		t.Fatal(err)
	}
	actor := authz.Actor{UserID: officerID, Email: demo.Accounts[1].Email, EntityID: entityID, Role: authz.SecurityOfficer}
	actx := audit.WithMeta(ctx, audit.Meta{ActorID: officerID, ActorEmail: actor.Email})
	store := &evidence.Store{Pool: pool}
	codes := []string{"1.1", "2.1", "3.1", "4.2", "5.1"}
	for i := range largeFiles {
		content := append([]byte("%PDF-1.4\n"), make([]byte, largeFileBytes)...)
		if _, err := rand.Read(content[9:]); err != nil {
			t.Fatal(err)
		}
		subj := evidence.Subject{Type: measure.SubjectRequirement, Ref: codes[i%len(codes)]}
		if _, err := store.Upload(actx, actor, subj, fmt.Sprintf("Bewijs %d — back\\slash", i), fmt.Sprintf("bewijs-%03d.pdf", i), bytes.NewReader(content)); err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
	}
	for batch := range largeAudit / 100 {
		err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
			for i := range 100 {
				n := batch*100 + i
				if err := audit.Record(actx, tx, audit.Event{EntityID: entityID, Action: "requirement.updated", ObjectType: "requirement",
					ObjectID: codes[n%len(codes)], ActorID: officerID, ActorEmail: actor.Email,
					Before: map[string]any{"notes": "regel 1\nregel 2\tmet tab", "maturity": n % 5},
					After:  map[string]any{"notes": fmt.Sprintf("wijziging %d: \\ \"quote\" ë ü ☃", n), "maturity": 0.5 + float64(n%5)}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// peakHeap samples the heap until stop is called and returns the highest
// heap in use above the level when it started.
func peakHeap() (stop func() uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > base && m.HeapInuse-base > peak.Load() {
					peak.Store(m.HeapInuse - base)
				}
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}

// TestBackupRestoreLargeDataset: the demo grown by 500 evidence files
// (31 MiB of incompressible bytes) and 5,000 audit rows backs up and
// restores with every table, every evidence hash and the audit chains
// intact, and neither side holds the evidence in memory: the heap grows by
// far less than the evidence volume. Not parallel, so the heap is this
// test's alone.
func TestBackupRestoreLargeDataset(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 31 MiB of evidence")
	}
	ctx := context.Background()
	src, entityID := demoSource(t)
	growDemo(t, src, entityID)

	stop := peakHeap()
	start := time.Now()
	path, sum := writeBackup(t, src)
	backupTook, backupHeap := time.Since(start), stop()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	dst := emptyTarget(t)
	stop = peakHeap()
	start = time.Now()
	if _, err := restore(path, dst); err != nil {
		t.Fatal(err)
	}
	restoreTook, restoreHeap := time.Since(start), stop()
	t.Logf("large backup: %d rows, %d bytes uncompressed, %d bytes on disk; backup %v (peak heap +%d KiB), restore %v (peak heap +%d KiB)",
		sum.Rows, sum.Bytes, st.Size(), backupTook, backupHeap>>10, restoreTook, restoreHeap>>10)

	const evidenceBytes = largeFiles * largeFileBytes
	for what, peak := range map[string]uint64{"backup": backupHeap, "restore": restoreHeap} {
		if peak > evidenceBytes/3 {
			t.Errorf("%s: heap grew by %d KiB for %d KiB of evidence: not streaming", what, peak>>10, evidenceBytes>>10)
		}
	}
	want, got := fingerprints(t, src), fingerprints(t, dst)
	for name, w := range want {
		if got[name] != w {
			t.Errorf("table %s: restored %q, source %q", name, got[name], w)
		}
	}
	var files, matching int
	if err := dst.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE sha256 = encode(sha256(data), 'hex')) FROM evidence_versions`).Scan(&files, &matching); err != nil {
		t.Fatal(err)
	}
	if files < largeFiles || matching != files {
		t.Fatalf("evidence: %d of %d files match their SHA-256", matching, files)
	}
	res, err := audit.Verify(ctx, dst, 0, true)
	if err != nil || res.Broken != nil || res.Rows < largeAudit {
		t.Fatalf("audit verify: %+v, %v", res, err)
	}
}
