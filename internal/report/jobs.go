package report

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// The states of a package build.
const (
	StateQueued   = "queued"
	StateBuilding = "building"
	StateDone     = "done"
	StateFailed   = "failed"
)

// Package is one evidence package requested on the export page: its build
// state and, once done, its size and manifest hash. The ZIP is a large
// object (see migration 000037).
type Package struct {
	ID             int64      `db:"id"`
	EntityID       int64      `db:"entity_id"`
	RequestedBy    string     `db:"requested_by"`
	Lang           string     `db:"lang"`
	From           time.Time  `db:"period_from"`
	To             time.Time  `db:"period_to"`
	State          string     `db:"state"`
	FilesDone      int        `db:"files_done"`
	FilesTotal     int        `db:"files_total"`
	Error          string     `db:"error"`
	CreatedAt      time.Time  `db:"created_at"`
	FinishedAt     *time.Time `db:"finished_at"`
	Size           *int64     `db:"size"`
	ManifestSHA256 *string    `db:"manifest_sha256"`
}

// Running reports whether the build has not finished yet (the page then
// refreshes itself).
func (p Package) Running() bool { return p.State == StateQueued || p.State == StateBuilding }

const packageColumns = `p.id, p.entity_id, coalesce(u.name, '') AS requested_by, p.lang, p.period_from, p.period_to, p.state,
	p.files_done, p.files_total, p.error, p.created_at, p.finished_at, p.size, p.manifest_sha256
	FROM report_packages p LEFT JOIN users u ON u.id = p.requested_by`

// ListLimit is the most packages the export page lists (newest first).
const ListLimit = 50

// List returns the entity's packages, newest first; one query.
func List(ctx context.Context, q db.Querier, entityID int64) ([]Package, error) {
	rows, err := q.Query(ctx, `SELECT `+packageColumns+` WHERE p.entity_id = @entity ORDER BY p.created_at DESC, p.id DESC LIMIT 50`,
		pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("packages of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Package])
}

// Get returns one package of the entity; another entity's id is
// db.ErrNotFound.
func Get(ctx context.Context, q db.Querier, entityID, id int64) (Package, error) {
	return db.GetOne[Package](ctx, q, fmt.Sprintf("load package %d", id), `SELECT `+packageColumns+` WHERE p.entity_id = @entity AND p.id = @id`,
		pgx.StrictNamedArgs{"entity": entityID, "id": id})
}

// Request records a package to build for the actor's entity (queued),
// audit-logged in the same transaction; the caller then runs Run in the
// background.
func Request(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, period Period, lang i18n.Lang) (int64, error) {
	var id int64
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO report_packages (entity_id, requested_by, lang, period_from, period_to)
			VALUES (@entity, @user, @lang, @from, @to) RETURNING id`, pgx.StrictNamedArgs{"entity": actor.EntityID, "user": actor.UserID,
			"lang": string(lang), "from": period.From, "to": period.To}).Scan(&id); err != nil {
			return fmt.Errorf("request package: %w", db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "package.requested", ObjectType: "package",
			ObjectID: fmt.Sprint(id), ActorID: actor.UserID, ActorEmail: actor.Email,
			After: map[string]any{"lang": string(lang), "period": period.String()}})
	})
	return id, err
}

// Run builds package id into a large object and records the outcome: done
// with size and manifest hash, or failed with the error. Progress (files
// done of total) is written as it goes, at most once a second, so the page
// can show it.
func Run(ctx context.Context, pool *pgxpool.Pool, key ed25519.PrivateKey, entityID, id int64, now func() time.Time) error {
	p, err := Get(ctx, pool, entityID, id)
	if err != nil {
		return err
	}
	fail := func(cause error) error {
		_, err := pool.Exec(context.WithoutCancel(ctx), `UPDATE report_packages SET state = 'failed', error = @error, finished_at = now() WHERE id = @id`,
			pgx.StrictNamedArgs{"id": id, "error": cause.Error()})
		return errors.Join(cause, err)
	}
	lang, _ := i18n.Parse(p.Lang)
	var last time.Time
	progress := func(done, total int) {
		if t := time.Now(); t.Sub(last) >= time.Second || done == total {
			last = t
			_, _ = pool.Exec(ctx, `UPDATE report_packages SET files_done = @done, files_total = @total WHERE id = @id`,
				pgx.StrictNamedArgs{"id": id, "done": done, "total": total})
		}
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fail(err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := claimBuild(ctx, pool, tx, id); err != nil {
		return err
	}
	los := tx.LargeObjects()
	oid, err := los.Create(ctx, 0)
	if err != nil {
		return fail(err)
	}
	lo, err := los.Open(ctx, oid, pgx.LargeObjectModeWrite)
	if err != nil {
		return fail(err)
	}
	// Large-object writes are round trips: 1 MiB chunks keep them few.
	bw := bufio.NewWriterSize(lo, 1<<20)
	cw := &countWriter{w: bw}
	m, err := Build(ctx, pool, cw, Options{EntityID: entityID, Period: Period{From: p.From, To: p.To}, Lang: lang, Now: now(),
		Key: key, Progress: progress})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = lo.Close()
	}
	if err == nil {
		_, err = tx.Exec(ctx, `UPDATE report_packages SET state = 'done', finished_at = now(), size = @size, manifest_sha256 = @hash,
			content_oid = @oid WHERE id = @id`, pgx.StrictNamedArgs{"id": id, "size": cw.n, "hash": m.SHA256, "oid": oid})
	}
	if err == nil {
		err = tx.Commit(ctx)
	}
	if err != nil {
		return fail(err)
	}
	return nil
}

// The build lock is the transaction-scoped advisory lock a build holds on its
// package for as long as it runs. It is how instances sharing a database
// tell a running build from an abandoned one: PostgreSQL releases the lock
// when the build's transaction ends, and also when the instance running it
// dies and its connection goes, so no heartbeat column is needed.
// buildLockKey(expr) is the lock's key for the package id expr.
func buildLockKey(expr string) string {
	return "hashtextextended('weerbaar.report_package.' || " + expr + "::bigint, 0)"
}

// claimBuild takes the build lock in tx, then moves the package from
// queued to building. A package no longer queued was failed meanwhile as
// abandoned (FailInterrupted), and is left as it is.
func claimBuild(ctx context.Context, pool *pgxpool.Pool, tx pgx.Tx, id int64) error {
	args := pgx.StrictNamedArgs{"id": id}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+buildLockKey("@id")+`)`, args); err != nil {
		return fmt.Errorf("lock package %d: %w", id, err)
	}
	// On the pool, not tx: the page must see "building" while it runs.
	tag, err := pool.Exec(ctx, `UPDATE report_packages SET state = 'building' WHERE id = @id AND state = 'queued'`, args)
	if err != nil {
		return fmt.Errorf("start package %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("start package %d: no longer queued", id)
	}
	return nil
}

// QueuedGrace is how long a queued package may wait for its build to take
// the build lock before it counts as abandoned: the build goroutine starts
// right after the request commits, so a minute is ample.
const QueuedGrace = time.Minute

// FailInterrupted marks the builds no running instance owns as failed, so
// their page stops refreshing and the user can start again: those building
// whose build lock is free (the instance that ran them stopped or died) and
// those queued for longer than QueuedGrace whose lock is free. A build
// another instance is running holds its lock and is left alone, so every
// instance can call this at start-up and periodically.
func FailInterrupted(ctx context.Context, q db.Querier) error {
	ctx = db.AcrossEntities(ctx) // the builds of every entity
	_, err := q.Exec(ctx, `UPDATE report_packages SET state = 'failed', error = 'interrupted: the server stopped during the build',
		finished_at = now()
		WHERE (state = 'building' OR (state = 'queued' AND created_at < now() - make_interval(secs => @grace)))
			AND pg_try_advisory_xact_lock(`+buildLockKey("id")+`)`,
		pgx.StrictNamedArgs{"grace": QueuedGrace.Seconds()})
	if err != nil {
		return fmt.Errorf("fail interrupted packages: %w", err)
	}
	return nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// downloadChunk is the size of the rows a download reads a package in.
const downloadChunk = 1 << 20

// Download streams a finished package of the entity to w, then records the
// download in the audit log. The bytes come from one query whose rows are
// 1 MiB chunks of the large object (lo_get), read one at a time, so memory
// stays flat and the audit chain's lock is never held while bytes flow.
// start is called before the first byte with the package's id and size.
// Another entity's package, or one not done, is db.ErrNotFound.
func Download(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, w io.Writer, start func(Package)) error {
	rows, err := pool.Query(ctx, `SELECT p.size, lo_get(p.content_oid, g.off, @chunk::int)
		FROM report_packages p CROSS JOIN LATERAL generate_series(0::bigint, p.size - 1, @chunk::bigint) AS g (off)
		WHERE p.id = @id AND p.entity_id = @entity AND p.state = 'done'`,
		pgx.StrictNamedArgs{"id": id, "entity": actor.EntityID, "chunk": downloadChunk})
	if err != nil {
		return fmt.Errorf("download package %d: %w", id, err)
	}
	defer rows.Close()
	started := false
	for rows.Next() {
		var size int64
		if err := rows.Scan(&size, nil); err != nil {
			return fmt.Errorf("download package %d: %w", id, err)
		}
		if !started {
			started = true
			start(Package{ID: id, EntityID: actor.EntityID, State: StateDone, Size: &size})
		}
		if _, err := w.Write(rows.RawValues()[1]); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("download package %d: %w", id, err)
	}
	if !started {
		return fmt.Errorf("download package %d: %w", id, db.ErrNotFound)
	}
	// Recorded even when the client went away after the last byte.
	ctx = context.WithoutCancel(ctx)
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "package.downloaded", ObjectType: "package",
			ObjectID: fmt.Sprint(id), ActorID: actor.UserID, ActorEmail: actor.Email})
	})
}
