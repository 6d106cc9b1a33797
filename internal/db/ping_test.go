package db

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// TestShouldPing checks the ping policy: a connection used within the last
// minute is not pinged (a busy pool spends no round trip on it), a longer
// idle one is, and that ping counts as a query of the request.
func TestShouldPing(t *testing.T) {
	t.Parallel()
	ctx := WithQueryCounter(context.Background())
	if shouldPing(ctx, pgxpool.ShouldPingParams{IdleDuration: 5 * time.Second}) {
		t.Error("a connection idle for 5 s is pinged")
	}
	if QueryCount(ctx) != 0 {
		t.Error("a ping not sent was counted")
	}
	if !shouldPing(ctx, pgxpool.ShouldPingParams{IdleDuration: 2 * time.Minute}) {
		t.Error("a connection idle for 2 minutes is not pinged")
	}
	if QueryCount(ctx) != 1 {
		t.Errorf("the ping counted %d queries, want 1", QueryCount(ctx))
	}
}
