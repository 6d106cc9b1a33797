package db

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Every page keeps a budget of SQL statements (ARCHITECTURE.md: at most 8).
// The pool's tracer counts each statement sent on behalf of a context that
// carries a counter; the HTTP server puts one in every request's context and
// writes the count to the access log, and the budget test reads it.

type counterKey struct{}

// queryCounter is shared by everything running under one request.
type queryCounter struct{ n atomic.Int64 }

// WithQueryCounter returns ctx with a query counter. A context that already
// counts keeps its counter, so a test that starts counting before calling the
// handler sees the same number as the handler's access log.
func WithQueryCounter(ctx context.Context) context.Context {
	if _, ok := ctx.Value(counterKey{}).(*queryCounter); ok {
		return ctx
	}
	return context.WithValue(ctx, counterKey{}, &queryCounter{})
}

// QueryCount is the number of statements (and connection pings) sent so far
// for ctx's counter; 0 when ctx does not count.
func QueryCount(ctx context.Context) int {
	if c, ok := ctx.Value(counterKey{}).(*queryCounter); ok {
		return int(c.n.Load())
	}
	return 0
}

func countQuery(ctx context.Context) {
	if c, ok := ctx.Value(counterKey{}).(*queryCounter); ok {
		c.n.Add(1)
	}
}

// queryTracer counts every query, every statement of a batch and every COPY.
type queryTracer struct{}

var (
	_ pgx.QueryTracer    = queryTracer{}
	_ pgx.BatchTracer    = queryTracer{}
	_ pgx.CopyFromTracer = queryTracer{}
)

func (queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	countQuery(ctx)
	return ctx
}

func (queryTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (queryTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (queryTracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchQueryData) {
	countQuery(ctx)
}

func (queryTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (queryTracer) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceCopyFromStartData) context.Context {
	countQuery(ctx)
	return ctx
}

func (queryTracer) TraceCopyFromEnd(context.Context, *pgx.Conn, pgx.TraceCopyFromEndData) {}

// idlePing is how long a connection may sit unused in the pool before it is
// pinged when acquired. pgxpool's default is one second, which on a quiet
// instance costs a round trip on nearly every request. A connection broken
// by a database restart is still found: one idle longer than this is pinged,
// and one that fails a query is closed and never returned to the pool.
const idlePing = time.Minute

// shouldPing pings connections idle for longer than idlePing and counts the
// ping as a query of the request, because it is a round trip like one.
func shouldPing(ctx context.Context, p pgxpool.ShouldPingParams) bool {
	if p.IdleDuration <= idlePing {
		return false
	}
	countQuery(ctx)
	return true
}

// instrument sets the query-counting tracer, the ping policy and the
// row-level security scope on a pool configuration.
func instrument(cfg *pgxpool.Config) {
	cfg.ConnConfig.Tracer = queryTracer{}
	cfg.ShouldPing = shouldPing
	cfg.PrepareConn = prepareConn
}
