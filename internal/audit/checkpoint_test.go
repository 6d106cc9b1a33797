package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/secretkey"
)

// newCheckpointer writes to a fresh file with the checkpoint key of a fixed
// secret.
func newCheckpointer(t testing.TB, pool *pgxpool.Pool) *audit.Checkpointer {
	t.Helper()
	key, err := secretkey.CheckpointKey(bytes.Repeat([]byte{7}, secretkey.Size))
	if err != nil {
		t.Fatal(err)
	}
	return &audit.Checkpointer{Pool: pool, Key: key, Path: filepath.Join(t.TempDir(), "var", audit.CheckpointFile),
		Instance: "https://nis2.example.nl"}
}

// cutAsSuperuser deletes rows as a database superuser can: with the
// append-only triggers switched off for the session (replication role).
func cutAsSuperuser(t *testing.T, pool *pgxpool.Pool, stmt string, args ...any) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, stmt, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// verifyWithFile reads the checkpoint file and verifies every chain and
// the one chain of entityID against it; both must agree on that chain.
func verifyWithFile(t *testing.T, pool *pgxpool.Pool, c *audit.Checkpointer, entityID int64) audit.VerifyResult {
	t.Helper()
	log, err := audit.ReadCheckpoints(c.Path, c.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if len(log.Bad) > 0 {
		t.Fatalf("bad checkpoint lines: %+v", log.Bad)
	}
	anchors := log.Anchors
	all, err := audit.VerifyAnchored(context.Background(), pool, 0, true, anchors)
	if err != nil {
		t.Fatal(err)
	}
	one, err := audit.VerifyAnchored(context.Background(), pool, entityID, false, anchors)
	if err != nil {
		t.Fatal(err)
	}
	var ofEntity []audit.Cut
	for _, c := range all.Cuts {
		if c.EntityID == entityID {
			ofEntity = append(ofEntity, c)
		}
	}
	if len(one.Cuts) != len(ofEntity) || (len(ofEntity) == 1 && one.Cuts[0] != ofEntity[0]) {
		t.Fatalf("cuts of entity %d alone %+v, of all chains %+v", entityID, one.Cuts, all.Cuts)
	}
	return all
}

func TestHeadsAreEveryChainsLastRow(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, b := seedChains(t, pool)
	heads, err := audit.Heads(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	var want []audit.Head
	for _, id := range []int64{0, a, b} {
		rows := chainRows(t, pool, id)
		last := rows[len(rows)-1]
		want = append(want, audit.Head{EntityID: id, Seq: last.Seq, Hash: last.Hash})
	}
	if len(heads) != len(want) {
		t.Fatalf("heads %+v, want %+v", heads, want)
	}
	for i := range want {
		if heads[i] != want[i] {
			t.Errorf("head %d = %+v, want %+v", i, heads[i], want[i])
		}
	}
}

// TestVerifyReportsCutTail: rows deleted from the end of a chain (or the
// whole chain) by a superuser leave a valid hash chain, and only the
// checkpoint shows what is missing.
func TestVerifyReportsCutTail(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		keepSeq    int64 // rows of a with seq above this are deleted
		wantString string
	}{
		{"last row", 9, "rows after sequence 9 missing (the chain ends at 9; the checkpoint of"},
		{"last five rows", 5, "rows after sequence 5 missing (the chain ends at 5; the checkpoint of"},
		{"whole chain", 0, "rows after sequence 0 missing (the whole chain is gone; the checkpoint of"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pool := dbtest.New(t)
			a, b := seedChains(t, pool)
			ctx := context.Background()
			for range 6 { // a has 10 rows
				record(t, ctx, pool, audit.Event{EntityID: a, Action: "risk.create"})
			}
			cp := newCheckpointer(t, pool)
			written, err := cp.Write(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res := verifyWithFile(t, pool, cp, a); res.Broken != nil || len(res.Cuts) != 0 {
				t.Fatalf("before the cut: broken %+v, cuts %+v", res.Broken, res.Cuts)
			}
			cutAsSuperuser(t, pool, `DELETE FROM audit_log WHERE entity_id = $1 AND seq > $2`, a, c.keepSeq)

			// The hash chain alone sees nothing wrong.
			if res, err := audit.Verify(ctx, pool, 0, true); err != nil || res.Broken != nil {
				t.Fatalf("plain Verify after the cut: %+v, %v", res.Broken, err)
			}
			res := verifyWithFile(t, pool, cp, a)
			if res.Broken != nil || len(res.Cuts) != 1 {
				t.Fatalf("after the cut: broken %+v, cuts %+v; want one cut", res.Broken, res.Cuts)
			}
			want := audit.Cut{EntityID: a, Kept: c.keepSeq, Head: c.keepSeq, CheckpointSeq: 10, CheckpointAt: written.CreatedAt}
			if got := res.Cuts[0]; got != want {
				t.Errorf("cut = %+v, want %+v", got, want)
			}
			if s := res.Cuts[0].String(); !strings.HasPrefix(s, c.wantString) || !strings.Contains(s, "recorded sequence 10") {
				t.Errorf("cut reads %q, want it to start %q and name sequence 10", s, c.wantString)
			}
			// The other chains are not reported.
			if res := verifyWithFile(t, pool, cp, b); len(res.Cuts) != 1 || res.Cuts[0].EntityID != a {
				t.Errorf("cuts %+v, want only entity %d", res.Cuts, a)
			}
		})
	}
}

// TestVerifyReportsTailCutAndWrittenAgain: the tail cut and new rows
// appended past the old head still shows, by the hash at a checkpointed seq.
func TestVerifyReportsTailCutAndWrittenAgain(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, _ := seedChains(t, pool)
	ctx := context.Background()
	cp := newCheckpointer(t, pool)
	first, err := cp.Write(ctx) // a at seq 4
	if err != nil {
		t.Fatal(err)
	}
	record(t, ctx, pool, audit.Event{EntityID: a, Action: "risk.create"}, audit.Event{EntityID: a, Action: "risk.create"})
	if _, err := cp.Write(ctx); err != nil { // a at seq 6
		t.Fatal(err)
	}
	cutAsSuperuser(t, pool, `DELETE FROM audit_log WHERE entity_id = $1 AND seq > 3`, a)
	for range 5 { // seq 4…8: past the checkpoint, but other rows
		record(t, ctx, pool, audit.Event{EntityID: a, Action: "risk.delete"})
	}
	res := verifyWithFile(t, pool, cp, a)
	want := audit.Cut{EntityID: a, Kept: 0, Head: 8, CheckpointSeq: 6, CheckpointAt: first.CreatedAt, ReplacedSeq: 4}
	if res.Broken != nil || len(res.Cuts) != 1 || res.Cuts[0] != want {
		t.Fatalf("broken %+v, cuts %+v; want %+v", res.Broken, res.Cuts, want)
	}
	if s := res.Cuts[0].String(); !strings.Contains(s, "rows after sequence 0 missing") || !strings.Contains(s, "row at sequence 4") {
		t.Errorf("cut reads %q", s)
	}
}

// TestVerifyAfterCheckpointAndAppends: chains that only grew since their
// checkpoints verify.
func TestVerifyAfterCheckpointAndAppends(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, b := seedChains(t, pool)
	ctx := context.Background()
	cp := newCheckpointer(t, pool)
	for round := range 3 {
		if _, err := cp.Write(ctx); err != nil {
			t.Fatal(err)
		}
		record(t, ctx, pool, audit.Event{EntityID: a, Action: "risk.create"}, audit.Event{EntityID: b, Action: "risk.create"},
			audit.Event{Action: "user.login_failed"})
		if round == 1 {
			c := newEntity(t, pool, "c-org") // a chain the checkpoints do not know yet
			record(t, ctx, pool, audit.Event{EntityID: c, Action: "entity.created"})
		}
	}
	res := verifyWithFile(t, pool, cp, a)
	if res.Broken != nil || len(res.Cuts) != 0 || res.Chains != 4 {
		t.Fatalf("broken %+v, cuts %+v, chains %d; want 4 intact chains", res.Broken, res.Cuts, res.Chains)
	}
	log, err := audit.ReadCheckpoints(cp.Path, cp.PublicKey())
	if err != nil || log.Count != 3 {
		t.Fatalf("%d checkpoints, %v", log.Count, err)
	}
}

// TestCheckpointLineWithBadSignatureIsReported: an edited line, a line
// signed with another key and a line that is no checkpoint are reported
// and not trusted; the others still are.
func TestCheckpointLineWithBadSignatureIsReported(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, _ := seedChains(t, pool)
	ctx := context.Background()
	cp := newCheckpointer(t, pool)
	if _, err := cp.Write(ctx); err != nil {
		t.Fatal(err)
	}
	record(t, ctx, pool, audit.Event{EntityID: a, Action: "risk.create"})
	if _, err := cp.Write(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cp.Path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	// Line 2 raised to seq 50: an attacker covering a cut the other way.
	edited := strings.Replace(lines[1], `"seq":5,`, `"seq":50,`, 1)
	if edited == lines[1] {
		t.Fatalf("line 2 has no seq 5: %s", lines[1])
	}
	_, otherKey, _ := ed25519.GenerateKey(nil)
	foreign, err := audit.SignCheckpoint(audit.Checkpoint{CreatedAt: time.Now(), Heads: []audit.Head{{EntityID: a, Seq: 99, Hash: "x"}}}, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	file := lines[0] + edited + string(foreign) + "not json\n"
	if err := os.WriteFile(cp.Path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	log, err := audit.ReadCheckpoints(cp.Path, cp.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	want := []audit.BadLine{{2, "signature does not verify"}, {3, "signature does not verify"}, {4, "not a checkpoint line"}}
	if latest, _ := log.Latest(); len(log.Bad) != len(want) || log.Count != 1 || latest.Line != 1 {
		t.Fatalf("bad %+v, %d valid; want %+v and line 1 valid", log.Bad, log.Count, want)
	}
	for i := range want {
		if log.Bad[i] != want[i] {
			t.Errorf("bad line %+v, want %+v", log.Bad[i], want[i])
		}
	}
	// The untrusted seq 50 and 99 make no cut; the page's last checkpoint
	// is line 1.
	if res, _ := audit.VerifyAnchored(ctx, pool, 0, true, log.Anchors); len(res.Cuts) != 0 {
		t.Errorf("cuts from untrusted lines: %+v", res.Cuts)
	}
	last, ok, err := audit.LastCheckpoint(cp.Path, cp.PublicKey())
	if h, _ := last.Head(a); err != nil || !ok || h.Seq != 4 {
		t.Errorf("last checkpoint %+v (%v, %v), want the one of line 1 (seq 4)", last, ok, err)
	}
}

// TestCheckpointerWritesOnlyOnChange: the periodic run appends a line when a
// head moved, not otherwise.
func TestCheckpointerWritesOnlyOnChange(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, _ := seedChains(t, pool)
	ctx := context.Background()
	cp := newCheckpointer(t, pool)
	lines := func() int {
		b, err := os.ReadFile(cp.Path)
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Count(b, []byte("\n"))
	}
	for i, step := range []struct {
		change    func()
		written   bool
		wantLines int
	}{
		{nil, true, 1}, // no file yet
		{nil, false, 1},
		{func() { record(t, ctx, pool, audit.Event{EntityID: a, Action: "risk.create"}) }, true, 2},
		{nil, false, 2},
		{func() { record(t, ctx, pool, audit.Event{Action: "user.login_failed"}) }, true, 3},
		{func() { // a new chain
			record(t, ctx, pool, audit.Event{EntityID: newEntity(t, pool, "c-org"), Action: "entity.created"})
		}, true, 4},
		{nil, false, 4},
	} {
		if step.change != nil {
			step.change()
		}
		written, err := cp.WriteIfChanged(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if written != step.written || lines() != step.wantLines {
			t.Errorf("step %d: written %v, %d lines; want %v, %d", i, written, lines(), step.written, step.wantLines)
		}
	}
}

// TestCheckpointNeverMovesAHeadBack: after a cut, later checkpoints keep the
// head the chain lost, so the last checkpoint alone (the audit page's) still
// shows the cut; the checkpointer logs it.
func TestCheckpointNeverMovesAHeadBack(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, b := seedChains(t, pool)
	ctx := context.Background()
	cp := newCheckpointer(t, pool)
	var logs bytes.Buffer
	cp.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	first, err := cp.Write(ctx)
	if err != nil {
		t.Fatal(err)
	}
	headA, _ := first.Head(a)
	headB, _ := first.Head(b)
	cutAsSuperuser(t, pool, `DELETE FROM audit_log WHERE entity_id = $1 AND seq > 2`, a)
	if written, err := cp.WriteIfChanged(ctx); err != nil || written {
		t.Fatalf("only a cut since the last checkpoint: written %v, %v; want nothing new", written, err)
	}
	cutAsSuperuser(t, pool, `DELETE FROM audit_log WHERE entity_id = $1`, b)
	record(t, ctx, pool, audit.Event{Action: "user.login_failed"})
	if written, err := cp.WriteIfChanged(ctx); err != nil || !written {
		t.Fatalf("the instance chain grew: written %v, %v", written, err)
	}
	last, ok, err := audit.LastCheckpoint(cp.Path, cp.PublicKey())
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if h, _ := last.Head(a); h != headA {
		t.Errorf("last checkpoint's head of a = %+v, want the recorded %+v", h, headA)
	}
	if h, _ := last.Head(b); h != headB {
		t.Errorf("last checkpoint's head of b = %+v, want the recorded %+v", h, headB)
	}
	if inst, _ := last.Head(0); inst.Seq != 3 {
		t.Errorf("instance head %+v, want seq 3", inst)
	}
	res, err := audit.VerifyAnchored(ctx, pool, 0, true, audit.NewAnchors(last))
	if err != nil || len(res.Cuts) != 2 || res.Cuts[0].Kept != 2 || res.Cuts[1].Head != 0 {
		t.Fatalf("against the last checkpoint only: cuts %+v, %v; want a kept to 2 and b gone", res.Cuts, err)
	}
	for _, id := range []int64{a, b} {
		if !strings.Contains(logs.String(), fmt.Sprintf("lost rows its last checkpoint recorded; run `weerbaar audit verify`\" entity=%d", id)) {
			t.Errorf("no error logged for entity %d:\n%s", id, logs.String())
		}
	}
}

// TestCheckpointWebhookGetsEachLine: every checkpoint written goes to the
// webhook as the same signed line; a failing webhook is logged without its
// URL and the file is written all the same.
func TestCheckpointWebhookGetsEachLine(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, _ := seedChains(t, pool)
	ctx := context.Background()
	var mu sync.Mutex
	var bodies []string
	status := http.StatusNoContent
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/json" {
			bodies = append(bodies, string(b))
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(hook.Close)
	cp := newCheckpointer(t, pool)
	var logs bytes.Buffer
	cp.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	cp.Webhook = hook.URL + "/checkpoints?token=s3cret"
	posted := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(bodies)
	}

	if _, err := cp.Write(ctx); err != nil {
		t.Fatal(err)
	}
	if written, err := cp.WriteIfChanged(ctx); err != nil || written {
		t.Fatalf("unchanged: written %v, %v", written, err)
	}
	file, err := os.ReadFile(cp.Path)
	if err != nil {
		t.Fatal(err)
	}
	if got := posted(); len(got) != 1 || got[0] != string(file) {
		t.Fatalf("webhook got %q, want the one line %q", got, file)
	}
	if _, err := audit.ParseCheckpoint([]byte(posted()[0]), cp.PublicKey()); err != nil {
		t.Errorf("posted line does not verify: %v", err)
	}

	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	record(t, ctx, pool, audit.Event{EntityID: a, Action: "risk.create"})
	if written, err := cp.WriteIfChanged(ctx); err != nil || !written {
		t.Fatalf("webhook down: written %v, %v; want the file written", written, err)
	}
	log, err := audit.ReadCheckpoints(cp.Path, cp.PublicKey())
	if err != nil || log.Count != 2 {
		t.Fatalf("%d checkpoints in the file, %v; want 2", log.Count, err)
	}
	if !strings.Contains(logs.String(), "webhook answered 500") || strings.Contains(logs.String(), "s3cret") {
		t.Errorf("log of the failed post: %s", logs.String())
	}
}
