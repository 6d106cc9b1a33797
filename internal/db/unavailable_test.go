package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestUnavailable pins which errors mean "the database is away, try again"
// (a 503 page) and which are faults a retry will not cure (the 500 page).
func TestUnavailable(t *testing.T) {
	t.Parallel()
	dialUnix := &net.OpError{Op: "dial", Net: "unix", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ENOENT}}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"connect refused", &pgconn.ConnectError{Config: &pgconn.Config{}}, true},
		{"socket gone", fmt.Errorf("begin transaction: %w", dialUnix), true},
		{"tcp refused", refused, true},
		{"connection reset", fmt.Errorf("load: %w", reset), true},
		{"broken pipe", fmt.Errorf("write: %w", syscall.EPIPE), true},
		{"lost mid-answer", fmt.Errorf("query: %w", io.ErrUnexpectedEOF), true},
		{"connection closed", fmt.Errorf("commit: %w", pgconn.ErrConnClosed), true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"crash shutdown", fmt.Errorf("x: %w", &pgconn.PgError{Code: "57P02"}), true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"no pool connection in time", fmt.Errorf("acquire: %w", context.DeadlineExceeded), true},
		{"client went away", fmt.Errorf("acquire: %w", context.Canceled), false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"unique violation", fmt.Errorf("%w: x", ErrConflict), false},
		{"not found", pgx.ErrNoRows, false},
		{"wrong password at connect", fmt.Errorf("%w", &pgconn.PgError{Code: "28P01"}), false},
		{"read error of a file", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("tls: bad record")}, false},
		{"template error", errors.New("render: boom"), false},
	} {
		if got := Unavailable(tc.err); got != tc.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
