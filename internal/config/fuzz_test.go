package config

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

// FuzzLoadServer: the web server's settings from the environment. A value
// is refused with an error naming its variable (and no half-filled
// configuration), or accepted within its range: trusted proxies that the
// X-Forwarded-For middleware takes without panicking, an upload limit of
// 1–1024 MiB, positive durations, an absolute http(s) base URL.
func FuzzLoadServer(f *testing.F) {
	f.Add("10.0.0.0/8, fd00::/8", "25", "15s", "30m", "https://nis2.example.nl/", "127.0.0.1:8080")
	f.Add(" 192.0.2.1/32 ,, ", "1024", "1h", "1ns", "http://[::1]:8080", ":9000")
	f.Add("10.0.0.1", "0", "-1s", "0", "ftp://x", "nohost")
	f.Add("fe80::1%eth0/64", "1025", "1e9h", "9223372036854775807ns", "http://", "[::1]:http")
	f.Fuzz(func(t *testing.T, proxies, uploadMB, shutdown, idle, base, addr string) {
		vars := map[string]string{"WEERBAAR_TRUSTED_PROXIES": proxies, "WEERBAAR_UPLOAD_LIMIT_MB": uploadMB,
			"WEERBAAR_SHUTDOWN_TIMEOUT": shutdown, "WEERBAAR_SESSION_IDLE_TIMEOUT": idle, "WEERBAAR_BASE_URL": base, "WEERBAAR_ADDR": addr}
		cfg, err := LoadParts(env(vars), Address|Server)
		if err != nil {
			if cfg.BaseURL != nil || cfg.TrustedProxies != nil || cfg.UploadLimit != 0 || !strings.Contains(err.Error(), "WEERBAAR_") {
				t.Fatalf("error %v with configuration %+v", err, cfg)
			}
			return
		}
		if cfg.UploadLimit < 1<<20 || cfg.UploadLimit > 1024<<20 || cfg.UploadLimit%(1<<20) != 0 {
			t.Fatalf("upload limit %d from %q", cfg.UploadLimit, uploadMB)
		}
		for _, d := range []time.Duration{cfg.ShutdownTimeout, cfg.SessionIdleTimeout, cfg.SessionLifetime} {
			if d <= 0 {
				t.Fatalf("duration %v accepted", d)
			}
		}
		if s := cfg.BaseURL.Scheme; s != "http" && s != "https" || cfg.BaseURL.Host == "" || strings.HasSuffix(cfg.BaseURL.Path, "/") {
			t.Fatalf("base URL %q from %q", cfg.BaseURL, base)
		}
		if len(cfg.TrustedProxies) == 0 {
			return
		}
		for _, p := range cfg.TrustedProxies {
			if _, err := netip.ParsePrefix(p); err != nil || p != strings.TrimSpace(p) {
				t.Fatalf("proxy range %q accepted: %v", p, err)
			}
		}
		// The server builds this middleware from the list at start.
		h := middleware.ClientIPFromXFF(cfg.TrustedProxies...)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		h.ServeHTTP(httptest.NewRecorder(), r)
	})
}
