package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/weerbaar/weerbaar/internal/config"
)

// PprofHandler is the Go profiler's endpoints under /debug/pprof/ on a mux
// of their own. They are never mounted on the app's router (which answers
// /debug/pprof/ with 404): the profiler listens only on the loopback address
// of WEERBAAR_PPROF_ADDR (StartPprof).
func PprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // and the named profiles: heap, allocs, goroutine, block, mutex…
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// StartPprof serves PprofHandler on addr, which must be a loopback address
// (config.CheckLoopback, checked again on the bound address). It returns
// the address bound and a stop function that closes the listener. A CPU
// profile runs for its ?seconds= (30 by default), so the server has no
// write timeout.
func StartPprof(addr string, logger *slog.Logger) (bound net.Addr, stop func(context.Context) error, err error) {
	if err := config.CheckLoopback(addr); err != nil {
		return nil, nil, fmt.Errorf("pprof: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("pprof: listen on %s: %w", addr, err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		_ = ln.Close()
		return nil, nil, fmt.Errorf("pprof: %s is not a loopback address", ln.Addr())
	}
	srv := &http.Server{Handler: PprofHandler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("pprof server", "err", err.Error())
		}
	}()
	logger.Info("pprof listening", "addr", ln.Addr().String())
	return ln.Addr(), srv.Shutdown, nil
}
