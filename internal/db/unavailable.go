package db

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrOutcomeUnknown marks a write whose connection was lost while its commit
// was under way: PostgreSQL may or may not have committed it, so the user is
// told to check before entering the change again.
var ErrOutcomeUnknown = errors.New("outcome unknown: the database connection was lost during commit")

// unavailableStates are the SQLSTATEs of a server that is going away, starting
// or full, rather than of a statement that is wrong.
var unavailableStates = map[string]bool{
	"57P01": true, // admin_shutdown (pg_ctl stop -m fast/immediate)
	"57P02": true, // crash_shutdown
	"57P03": true, // cannot_connect_now (starting up, recovering)
	"53300": true, // too_many_connections
}

// Unavailable reports whether err means PostgreSQL could not be reached or
// went away (refused or lost connection, shutdown, start-up, no connection
// within the deadline), so the request may succeed when tried again. A
// statement PostgreSQL rejected, or a refused login, is not: trying again
// will not help. It only inspects err, so a table test pins the mapping.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return unavailableStates[pgErr.Code] || (len(pgErr.Code) == 5 && pgErr.Code[:2] == "08") // connection_exception
	}
	var connectErr *pgconn.ConnectError
	var opErr *net.OpError
	switch {
	case errors.As(err, &connectErr), errors.Is(err, pgconn.ErrConnClosed):
		return true
	case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
		// No connection from the pool, or no answer, before the deadline.
		return true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNREFUSED):
		return true
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return true // e.g. the Unix socket is gone while the server is down
	}
	return false
}
