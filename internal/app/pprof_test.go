package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/app"
	"github.com/weerbaar/weerbaar/internal/dbtest"
)

// TestPprofOnItsOwnLoopbackListener: with WEERBAAR_PPROF_ADDR the profiler
// answers on that address, and the app's own address still has no
// /debug/pprof/ (404); without it nothing listens there.
func TestPprofOnItsOwnLoopbackListener(t *testing.T) {
	t.Parallel()
	_, connString := dbtest.NewWithConnString(t)
	pprofAddr := freeAddr(t)
	inst := serve(t, connString, map[string]string{"WEERBAAR_PPROF_ADDR": pprofAddr})
	status := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := status("http://" + pprofAddr + "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("profiler index on %s: %d %.200q", pprofAddr, code, body)
	}
	if code, body := status("http://" + pprofAddr + "/debug/pprof/heap?debug=1"); code != http.StatusOK || !strings.Contains(body, "heap profile") {
		t.Errorf("heap profile: %d %.200q", code, body)
	}
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/profile?seconds=1", "/debug/pprof/cmdline"} {
		if code, _ := status(inst.URL + p); code != http.StatusNotFound {
			t.Errorf("the app's router answers %s with %d, want 404", p, code)
		}
	}
	inst.Stop(t)
	if code, _ := status("http://" + pprofAddr + "/debug/pprof/"); code != 0 {
		t.Errorf("profiler still answers after shutdown: %d", code)
	}
}

// TestStartPprofRefusesNonLoopback: the listener itself checks the address,
// whoever calls it.
func TestStartPprofRefusesNonLoopback(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "localhost:0"} {
		if _, stop, err := app.StartPprof(addr, app.NewLogger(io.Discard, 0)); err == nil {
			_ = stop(t.Context())
			t.Errorf("%s accepted", addr)
		}
	}
}
