// Package config reads Weerbaar's configuration from environment variables.
// Configuration comes only from the environment (twelve-factor), is validated
// once at start, and a wrong value stops the start with a message naming the
// variable, so a typo never runs silently with a default.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the validated configuration of one Weerbaar process.
type Config struct {
	// Addr is the TCP address the HTTP server listens on.
	Addr string
	// BaseURL is the public URL of the app; its scheme decides Secure cookies and HSTS.
	BaseURL *url.URL
	// DatabaseURL is an explicit PostgreSQL URL; empty means "discover one".
	DatabaseURL string
	// DataDir holds local state: the private PostgreSQL cluster and development keys.
	DataDir string
	// AutoMigrate applies pending migrations when the server starts.
	AutoMigrate bool
	// LogLevel is the minimum level of the JSON log.
	LogLevel slog.Level
	// TrustedProxies are the CIDR ranges of reverse proxies whose
	// X-Forwarded-For header names the client; empty trusts no header.
	TrustedProxies []string
	// ShutdownTimeout bounds how long in-flight requests may take after SIGTERM.
	ShutdownTimeout time.Duration
}

// Var documents one environment variable; a test checks that the README's
// configuration table lists every one, so documentation and code cannot drift.
type Var struct {
	Name, Default, Meaning string
}

// Vars lists every environment variable Weerbaar reads.
var Vars = []Var{
	{"WEERBAAR_ADDR", "127.0.0.1:8080", "Address the HTTP server listens on."},
	{"WEERBAAR_BASE_URL", "(http://WEERBAAR_ADDR)", "Public URL of the app. With https: Secure `__Host-` cookies and HSTS."},
	{"DATABASE_URL", "(discover)", "PostgreSQL URL. Empty: use local PostgreSQL as user `postgres` (database `weerbaar`), else a private cluster in `$WEERBAAR_DATA_DIR/postgres`."},
	{"WEERBAAR_DATA_DIR", "./var", "Local state: private PostgreSQL cluster, development secret key."},
	{"WEERBAAR_AUTO_MIGRATE", "true", "Apply database migrations when `serve` starts."},
	{"WEERBAAR_LOG_LEVEL", "info", "Log level: debug, info, warn, error."},
	{"WEERBAAR_TRUSTED_PROXIES", "(none)", "Comma-separated CIDR ranges of reverse proxies whose X-Forwarded-For is trusted for the client IP."},
	{"WEERBAAR_SHUTDOWN_TIMEOUT", "15s", "How long in-flight requests may finish after SIGTERM/SIGINT."},
}

// Load reads and validates the configuration. getenv is os.Getenv in
// production and a map lookup in tests.
func Load(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, v := range Vars {
			if v.Name == name && !strings.HasPrefix(v.Default, "(") {
				return v.Default
			}
		}
		return ""
	}
	var errs []error
	cfg := Config{
		Addr:        get("WEERBAAR_ADDR"),
		DatabaseURL: get("DATABASE_URL"),
		DataDir:     get("WEERBAAR_DATA_DIR"),
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		errs = append(errs, fmt.Errorf("WEERBAAR_ADDR=%q: want host:port", cfg.Addr))
	}
	rawBase := get("WEERBAAR_BASE_URL")
	if rawBase == "" {
		rawBase = "http://" + cfg.Addr
	}
	base, err := url.Parse(rawBase)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		errs = append(errs, fmt.Errorf("WEERBAAR_BASE_URL=%q: want an absolute http(s) URL", rawBase))
	} else {
		base.Path = strings.TrimSuffix(base.Path, "/")
		cfg.BaseURL = base
	}
	if cfg.AutoMigrate, err = strconv.ParseBool(get("WEERBAAR_AUTO_MIGRATE")); err != nil {
		errs = append(errs, fmt.Errorf("WEERBAAR_AUTO_MIGRATE=%q: want true or false", get("WEERBAAR_AUTO_MIGRATE")))
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(get("WEERBAAR_LOG_LEVEL"))); err != nil {
		errs = append(errs, fmt.Errorf("WEERBAAR_LOG_LEVEL=%q: want debug, info, warn or error", get("WEERBAAR_LOG_LEVEL")))
	}
	if cfg.ShutdownTimeout, err = positiveDuration(get("WEERBAAR_SHUTDOWN_TIMEOUT")); err != nil {
		errs = append(errs, fmt.Errorf("WEERBAAR_SHUTDOWN_TIMEOUT: %w", err))
	}
	for _, cidr := range strings.Split(get("WEERBAAR_TRUSTED_PROXIES"), ",") {
		if cidr = strings.TrimSpace(cidr); cidr == "" {
			continue
		}
		if _, err := netip.ParsePrefix(cidr); err != nil {
			errs = append(errs, fmt.Errorf("WEERBAAR_TRUSTED_PROXIES: %q is not a CIDR range", cidr))
			continue
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, cidr)
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("invalid configuration: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// Secure reports whether the app is served over https.
func (c Config) Secure() bool { return c.BaseURL != nil && c.BaseURL.Scheme == "https" }

func positiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a positive duration such as 30s or 15m", s)
	}
	return d, nil
}
