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
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/secretkey"
)

// Config is the validated configuration of one Weerbaar process.
type Config struct {
	// Addr is the TCP address the HTTP server listens on.
	Addr string
	// BaseURL is the public URL of the app; its scheme decides Secure cookies and HSTS.
	BaseURL *url.URL
	// BaseURLDefaulted is true when WEERBAAR_BASE_URL is unset and BaseURL
	// was derived from Addr, so commands that print links can say that the
	// link may not work on another machine.
	BaseURLDefaulted bool
	// DatabaseURL is an explicit PostgreSQL URL; empty means "discover one".
	DatabaseURL string
	// AppDatabaseURL, when set, is how the web app connects after start-up:
	// as its own login role held by row-level security, while DatabaseURL
	// (the owner) only migrates. Empty: the app switches DatabaseURL's
	// connections to the role weerbaar_app (SET ROLE).
	AppDatabaseURL string
	// DataDir holds local state: the private PostgreSQL cluster, development
	// keys and the audit checkpoint file.
	DataDir string
	// AuditWebhook, when set, receives every audit checkpoint line as an
	// HTTP POST, a copy off the host next to the file in DataDir.
	AuditWebhook string
	// AutoMigrate applies pending migrations when the server starts.
	AutoMigrate bool
	// LogLevel is the minimum level of the JSON log.
	LogLevel slog.Level
	// TrustedProxies are the CIDR ranges of reverse proxies whose
	// X-Forwarded-For header names the client; empty trusts no header.
	TrustedProxies []string
	// SecretKey encrypts TOTP secrets at rest (32 bytes).
	SecretKey []byte
	// SessionIdleTimeout ends a session after this long without a request.
	SessionIdleTimeout time.Duration
	// SessionLifetime ends a session this long after sign-in, active or not.
	SessionLifetime time.Duration
	// SMTPAddr (host:port) enables e-mailing set-password links and incident
	// deadline reminders; empty sends nothing.
	SMTPAddr, SMTPFrom, SMTPUser, SMTPPassword string
	// UploadLimit is the largest evidence file accepted, in bytes.
	UploadLimit int64
	// ShutdownTimeout bounds how long in-flight requests may take after SIGTERM.
	ShutdownTimeout time.Duration
	// PprofAddr, when set, is a loopback host:port where the Go profiler
	// (net/http/pprof) listens, apart from the app's own address and router;
	// empty serves no profiler.
	PprofAddr string
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
	{"WEERBAAR_APP_DATABASE_URL", "(none)", "PostgreSQL URL of the web app's own login role (`weerbaar_app`, held by row-level security) for after start-up; `DATABASE_URL` (the owner) then only migrates. Empty: the app's connections switch to `weerbaar_app` with `SET ROLE` (docs/operations.md, Row-level security)."},
	{"WEERBAAR_DATA_DIR", "./var", "Local state: private PostgreSQL cluster, development secret key, and the signed audit chain checkpoints (`audit-checkpoints.jsonl`; copy it off-host, see docs/operations.md)."},
	{"WEERBAAR_AUDIT_WEBHOOK", "(none)", "URL (http or https) that receives each signed audit checkpoint as a JSON POST, a copy off the host next to `audit-checkpoints.jsonl`; a failed POST is logged and the file is still written."},
	{"WEERBAAR_AUTO_MIGRATE", "true", "Apply database migrations when `serve` starts."},
	{"WEERBAAR_LOG_LEVEL", "info", "Log level: debug, info, warn, error."},
	{"WEERBAAR_TRUSTED_PROXIES", "(none)", "Comma-separated CIDR ranges of reverse proxies whose X-Forwarded-For is trusted for the client IP."},
	{"WEERBAAR_SECRET_KEY", "(required)", "32-byte key (base64 or hex) that encrypts TOTP secrets at rest. Generate one with `weerbaar genkey`."},
	{"WEERBAAR_SECRET_KEY_FILE", "(none)", "Instead of WEERBAAR_SECRET_KEY: a file holding the key; created with a new key when missing (`make run` uses `./var/secret.key`)."},
	{"WEERBAAR_SESSION_IDLE_TIMEOUT", "30m", "A session ends after this long without activity (to within a tenth: up to 10 % sooner, never later)."},
	{"WEERBAAR_SESSION_LIFETIME", "12h", "A session ends this long after sign-in, whatever the activity."},
	{"WEERBAAR_SMTP_ADDR", "(none)", "SMTP server (host:port) to e-mail set-password links and incident deadline reminders; without it links are only shown to the admin and no reminders are sent."},
	{"WEERBAAR_SMTP_FROM", "(none)", "Sender address of those e-mails; required with WEERBAAR_SMTP_ADDR."},
	{"WEERBAAR_SMTP_USERNAME", "(none)", "SMTP user name, if the server needs authentication (sent only over TLS)."},
	{"WEERBAAR_SMTP_PASSWORD", "(none)", "SMTP password."},
	{"WEERBAAR_UPLOAD_LIMIT_MB", "25", "Largest evidence file accepted, in MB (MiB); larger uploads get 413."},
	{"WEERBAAR_SHUTDOWN_TIMEOUT", "15s", "How long in-flight requests may finish after SIGTERM/SIGINT."},
	{"WEERBAAR_PPROF_ADDR", "(none)", "Loopback address (e.g. `127.0.0.1:6060`) where `serve` exposes the Go profiler (`/debug/pprof/`) on a listener of its own; any other address is refused. Same as `serve --pprof ADDR`."},
}

// Part is a group of settings. A command loads only the parts it uses, so
// `weerbaar migrate` does not ask for the secret key and `weerbaar user create`
// does not validate the SMTP settings. WEERBAAR_LOG_LEVEL is always read.
type Part uint

const (
	// Address: WEERBAAR_ADDR and WEERBAAR_BASE_URL.
	Address Part = 1 << iota
	// Database: DATABASE_URL and WEERBAAR_DATA_DIR, and WEERBAAR_AUDIT_WEBHOOK,
	// which goes with the checkpoint file in the data directory.
	Database
	// SecretKey: WEERBAAR_SECRET_KEY or WEERBAAR_SECRET_KEY_FILE.
	SecretKey
	// Server: the rest of what `serve` uses (migrate at start, proxies,
	// sessions, SMTP, uploads, shutdown).
	Server
	// All is everything; `serve` needs it.
	All = Address | Database | SecretKey | Server
)

// Load reads and validates the whole configuration. getenv is os.Getenv in
// production and a map lookup in tests.
func Load(getenv func(string) string) (Config, error) {
	return LoadParts(getenv, All)
}

// LoadParts reads and validates only the given parts; the other fields stay
// zero. A missing key file is created only when SecretKey is asked for.
func LoadParts(getenv func(string) string, parts Part) (Config, error) {
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
	var cfg Config
	if err := cfg.LogLevel.UnmarshalText([]byte(get("WEERBAAR_LOG_LEVEL"))); err != nil {
		errs = append(errs, fmt.Errorf("WEERBAAR_LOG_LEVEL=%q: want debug, info, warn or error", get("WEERBAAR_LOG_LEVEL")))
	}
	if parts&Database != 0 {
		cfg.DatabaseURL, cfg.DataDir = get("DATABASE_URL"), get("WEERBAAR_DATA_DIR")
		cfg.AppDatabaseURL = get("WEERBAAR_APP_DATABASE_URL")
		if cfg.AuditWebhook = get("WEERBAAR_AUDIT_WEBHOOK"); cfg.AuditWebhook != "" {
			u, err := url.Parse(cfg.AuditWebhook)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, errors.New("WEERBAAR_AUDIT_WEBHOOK: want an absolute http(s) URL"))
			}
		}
	}
	if parts&Address != 0 {
		errs = append(errs, cfg.loadAddress(get)...)
	}
	if parts&SecretKey != 0 {
		var err error
		if cfg.SecretKey, err = loadSecretKey(get("WEERBAAR_SECRET_KEY"), get("WEERBAAR_SECRET_KEY_FILE")); err != nil {
			errs = append(errs, err)
		}
	}
	if parts&Server != 0 {
		errs = append(errs, cfg.loadServer(get)...)
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("invalid configuration: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// loadAddress reads where the server listens and the public URL links use.
func (cfg *Config) loadAddress(get func(string) string) []error {
	var errs []error
	cfg.Addr = get("WEERBAAR_ADDR")
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		errs = append(errs, fmt.Errorf("WEERBAAR_ADDR=%q: want host:port", cfg.Addr))
	}
	rawBase := get("WEERBAAR_BASE_URL")
	if rawBase == "" {
		rawBase = "http://" + cfg.Addr
		cfg.BaseURLDefaulted = true
	}
	base, err := url.Parse(rawBase)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		errs = append(errs, fmt.Errorf("WEERBAAR_BASE_URL=%q: want an absolute http(s) URL", rawBase))
	} else {
		base.Path = strings.TrimSuffix(base.Path, "/")
		cfg.BaseURL = base
	}
	return errs
}

// loadServer reads the settings only the web server uses.
func (cfg *Config) loadServer(get func(string) string) []error {
	var errs []error
	var err error
	if cfg.AutoMigrate, err = strconv.ParseBool(get("WEERBAAR_AUTO_MIGRATE")); err != nil {
		errs = append(errs, fmt.Errorf("WEERBAAR_AUTO_MIGRATE=%q: want true or false", get("WEERBAAR_AUTO_MIGRATE")))
	}
	if cfg.ShutdownTimeout, err = positiveDuration(get("WEERBAAR_SHUTDOWN_TIMEOUT")); err != nil {
		errs = append(errs, fmt.Errorf("WEERBAAR_SHUTDOWN_TIMEOUT: %w", err))
	}
	if cfg.SessionIdleTimeout, err = positiveDuration(get("WEERBAAR_SESSION_IDLE_TIMEOUT")); err != nil {
		errs = append(errs, fmt.Errorf("WEERBAAR_SESSION_IDLE_TIMEOUT: %w", err))
	}
	if cfg.SessionLifetime, err = positiveDuration(get("WEERBAAR_SESSION_LIFETIME")); err != nil {
		errs = append(errs, fmt.Errorf("WEERBAAR_SESSION_LIFETIME: %w", err))
	}
	if mb, err := strconv.Atoi(get("WEERBAAR_UPLOAD_LIMIT_MB")); err != nil || mb < 1 || mb > 1024 {
		errs = append(errs, fmt.Errorf("WEERBAAR_UPLOAD_LIMIT_MB=%q: want a whole number of MB from 1 to 1024", get("WEERBAAR_UPLOAD_LIMIT_MB")))
	} else {
		cfg.UploadLimit = int64(mb) << 20
	}
	cfg.SMTPAddr, cfg.SMTPFrom = get("WEERBAAR_SMTP_ADDR"), get("WEERBAAR_SMTP_FROM")
	cfg.SMTPUser, cfg.SMTPPassword = get("WEERBAAR_SMTP_USERNAME"), get("WEERBAAR_SMTP_PASSWORD")
	if cfg.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(cfg.SMTPAddr); err != nil {
			errs = append(errs, fmt.Errorf("WEERBAAR_SMTP_ADDR=%q: want host:port", cfg.SMTPAddr))
		}
		if _, err := mail.ParseAddress(cfg.SMTPFrom); err != nil {
			errs = append(errs, fmt.Errorf("WEERBAAR_SMTP_FROM=%q: want an e-mail address", cfg.SMTPFrom))
		}
	}
	if cfg.PprofAddr = get("WEERBAAR_PPROF_ADDR"); cfg.PprofAddr != "" {
		if err := CheckLoopback(cfg.PprofAddr); err != nil {
			errs = append(errs, fmt.Errorf("WEERBAAR_PPROF_ADDR: %w", err))
		}
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
	return errs
}

// CheckLoopback accepts only host:port with a loopback IP literal as host
// (127.0.0.0/8 or ::1). The profiler shows the process's memory and code, so
// it must never be reachable from the network: an empty host (all
// interfaces), a name that DNS could resolve elsewhere, or any other address
// is refused.
func CheckLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("%q: want host:port on the loopback interface, such as 127.0.0.1:6060", addr)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() || ip.Zone() != "" {
		return fmt.Errorf("%q: refused, the profiler listens only on a loopback address such as 127.0.0.1:6060 or [::1]:6060", addr)
	}
	return nil
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

// loadSecretKey reads the key from the variable or the key file; a missing
// key file is created with a new random key (development and compose), so a
// fresh install works without a manual step but never without a key.
func loadSecretKey(value, file string) ([]byte, error) {
	if value == "" && file != "" {
		b, err := os.ReadFile(file)
		if errors.Is(err, os.ErrNotExist) {
			if value, err = secretkey.Generate(); err != nil {
				return nil, err
			}
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				return nil, fmt.Errorf("WEERBAAR_SECRET_KEY_FILE: %w", err)
			}
			if err := os.WriteFile(file, []byte(value+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("WEERBAAR_SECRET_KEY_FILE: %w", err)
			}
		} else if err != nil {
			return nil, fmt.Errorf("WEERBAAR_SECRET_KEY_FILE: %w", err)
		} else {
			value = strings.TrimSpace(string(b))
		}
	}
	if value == "" {
		return nil, errors.New("WEERBAAR_SECRET_KEY is not set: generate a key with `weerbaar genkey` and set it, or set WEERBAAR_SECRET_KEY_FILE")
	}
	key, err := secretkey.Parse(value)
	if err != nil {
		return nil, fmt.Errorf("WEERBAAR_SECRET_KEY: %w", err)
	}
	return key, nil
}
