package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

const testKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// env is a getenv over m that has a valid secret key unless m sets one.
func env(m map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := m[k]; ok {
			return v
		}
		if k == "WEERBAAR_SECRET_KEY" {
			return testKey
		}
		return ""
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:8080" || cfg.BaseURL.String() != "http://127.0.0.1:8080" || !cfg.AutoMigrate ||
		cfg.DataDir != "./var" || cfg.ShutdownTimeout != 15*time.Second || cfg.Secure() || cfg.DatabaseURL != "" {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestOverrides(t *testing.T) {
	cfg, err := Load(env(map[string]string{
		"WEERBAAR_ADDR": ":9000", "WEERBAAR_BASE_URL": "https://nis2.example.nl/", "WEERBAAR_AUTO_MIGRATE": "false",
		"WEERBAAR_TRUSTED_PROXIES": "10.0.0.0/8, fd00::/8", "DATABASE_URL": "postgres://x/y",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Secure() || cfg.BaseURL.String() != "https://nis2.example.nl" || cfg.AutoMigrate ||
		len(cfg.TrustedProxies) != 2 || cfg.DatabaseURL != "postgres://x/y" {
		t.Fatalf("overrides: %+v", cfg)
	}
}

func TestInvalidValuesNameTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"WEERBAAR_ADDR":             "8080",
		"WEERBAAR_BASE_URL":         "ftp://x",
		"WEERBAAR_AUTO_MIGRATE":     "sometimes",
		"WEERBAAR_LOG_LEVEL":        "loud",
		"WEERBAAR_SHUTDOWN_TIMEOUT": "-3s",
		"WEERBAAR_TRUSTED_PROXIES":  "10.0.0.0/33",
		"WEERBAAR_SECRET_KEY":       "too-short",
		"WEERBAAR_SESSION_LIFETIME": "0s",
		"WEERBAAR_AUDIT_WEBHOOK":    "hooks.example.nl/x",
	} {
		_, err := Load(env(map[string]string{name: value}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: error %v does not name the variable", name, value, err)
		}
	}
}

func TestEveryVarIsDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range Vars {
		if v.Name == "" || v.Default == "" || v.Meaning == "" || seen[v.Name] {
			t.Errorf("incomplete or duplicate: %+v", v)
		}
		seen[v.Name] = true
	}
}

func TestReadmeDocumentsEveryVar(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Vars {
		if !strings.Contains(string(b), "| `"+v.Name+"` |") {
			t.Errorf("README.md has no configuration row for %s", v.Name)
		}
	}
}

func TestSecretKeyIsRequired(t *testing.T) {
	_, err := Load(env(map[string]string{"WEERBAAR_SECRET_KEY": ""}))
	if err == nil || !strings.Contains(err.Error(), "weerbaar genkey") {
		t.Fatalf("missing key: %v", err)
	}
}

func TestSecretKeyFileIsCreatedOnce(t *testing.T) {
	file := t.TempDir() + "/sub/secret.key"
	first, err := Load(env(map[string]string{"WEERBAAR_SECRET_KEY": "", "WEERBAAR_SECRET_KEY_FILE": file}))
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	second, err := Load(env(map[string]string{"WEERBAAR_SECRET_KEY": "", "WEERBAAR_SECRET_KEY_FILE": file}))
	if err != nil || len(first.SecretKey) != 32 || string(first.SecretKey) != string(second.SecretKey) {
		t.Fatalf("key not kept between starts: %v", err)
	}
}

// TestLoadPartsReadsOnlyWhatIsAsked: a command that needs only the database
// starts without a secret key and is not stopped by a setting it never uses.
func TestLoadPartsReadsOnlyWhatIsAsked(t *testing.T) {
	file := t.TempDir() + "/secret.key"
	getenv := func(k string) string {
		return map[string]string{
			"DATABASE_URL": "postgres://x/y", "WEERBAAR_SECRET_KEY_FILE": file,
			"WEERBAAR_AUTO_MIGRATE": "sometimes", "WEERBAAR_SMTP_ADDR": "no-port",
		}[k]
	}
	cfg, err := LoadParts(getenv, Database|Address)
	if err != nil {
		t.Fatalf("database and address only: %v", err)
	}
	if cfg.DatabaseURL != "postgres://x/y" || cfg.DataDir != "./var" || cfg.SecretKey != nil || cfg.BaseURL.String() != "http://127.0.0.1:8080" {
		t.Fatalf("config %+v", cfg)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("key file created although the key was not asked for: %v", err)
	}
	_, err = LoadParts(getenv, All)
	for _, name := range []string{"WEERBAAR_AUTO_MIGRATE", "WEERBAAR_SMTP_ADDR"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("all parts: error %v does not name %s", err, name)
		}
	}
	if _, err := LoadParts(func(string) string { return "" }, SecretKey); err == nil || !strings.Contains(err.Error(), "WEERBAAR_SECRET_KEY") {
		t.Fatalf("secret key asked for but not set: %v", err)
	}
	if _, err := LoadParts(func(k string) string { return map[string]string{"WEERBAAR_LOG_LEVEL": "loud"}[k] }, Database); err == nil {
		t.Fatal("the log level is always checked")
	}
}

func TestBaseURLDefaulted(t *testing.T) {
	cfg, err := LoadParts(env(nil), Address)
	if err != nil || !cfg.BaseURLDefaulted {
		t.Fatalf("unset base URL: defaulted=%v %v", cfg.BaseURLDefaulted, err)
	}
	cfg, err = LoadParts(env(map[string]string{"WEERBAAR_BASE_URL": "https://nis2.example.nl"}), Address)
	if err != nil || cfg.BaseURLDefaulted {
		t.Fatalf("set base URL: defaulted=%v %v", cfg.BaseURLDefaulted, err)
	}
}

// TestPprofOnlyOnLoopback: the profiler address must be a loopback IP
// literal; all interfaces, a network address or a host name is refused.
func TestPprofOnlyOnLoopback(t *testing.T) {
	cfg, err := Load(env(nil))
	if err != nil || cfg.PprofAddr != "" {
		t.Fatalf("default: %q %v", cfg.PprofAddr, err)
	}
	for _, ok := range []string{"127.0.0.1:6060", "127.0.0.2:0", "[::1]:6060"} {
		cfg, err := Load(env(map[string]string{"WEERBAAR_PPROF_ADDR": ok}))
		if err != nil || cfg.PprofAddr != ok {
			t.Errorf("%s: %q %v", ok, cfg.PprofAddr, err)
		}
	}
	for _, bad := range []string{":6060", "0.0.0.0:6060", "[::]:6060", "192.168.1.10:6060", "localhost:6060",
		"example.nl:6060", "127.0.0.1", "[fe80::1%lo]:6060", "[::ffff:10.0.0.1]:6060"} {
		_, err := Load(env(map[string]string{"WEERBAAR_PPROF_ADDR": bad}))
		if err == nil || !strings.Contains(err.Error(), "WEERBAAR_PPROF_ADDR") {
			t.Errorf("%s accepted: %v", bad, err)
		}
	}
}
