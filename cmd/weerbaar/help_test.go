package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/dbtest"
)

// noEnv is a process without any configuration.
func noEnv(string) string { return "" }

// TestHelpNeedsNoConfiguration: every command and action answers --help
// (exit 0, on stdout) with its flags described, without any configuration.
func TestHelpNeedsNoConfiguration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string // in the help text
	}{
		{[]string{"help"}, []string{"usage: weerbaar <command>", "migrate up | down N | version", "user create", "audit verify", "healthcheck"}},
		{[]string{"--help"}, []string{"usage: weerbaar <command>"}},
		{[]string{"-h"}, []string{"usage: weerbaar <command>"}},
		{[]string{"serve", "--help"}, []string{"usage: weerbaar serve [--demo] [--pprof ADDR]", "-demo", "-pprof address", "WEERBAAR_SECRET_KEY"}},
		{[]string{"migrate", "--help"}, []string{"usage: weerbaar migrate <action>", "up", "down N", "version"}},
		{[]string{"migrate", "up", "--help"}, []string{"usage: weerbaar migrate up", "pending migrations"}},
		{[]string{"migrate", "down", "-h"}, []string{"usage: weerbaar migrate down N"}},
		{[]string{"migrate", "version", "--help"}, []string{"usage: weerbaar migrate version"}},
		{[]string{"seed-demo", "--help"}, []string{"usage: weerbaar seed-demo", "demo entity"}},
		{[]string{"seed-large", "--help"}, []string{"usage: weerbaar seed-large [--scale F]", "-scale F", "-entities", "-seed", "-today", "-json", "100,000 audit rows", "Idempotent"}},
		{[]string{"user", "--help"}, []string{"usage: weerbaar user <action>", "create --email E --name N"}},
		{[]string{"user", "create", "--help"}, []string{"usage: weerbaar user create", "-email string", "-name string", "-instance-admin", "WEERBAAR_BASE_URL"}},
		{[]string{"audit", "--help"}, []string{"usage: weerbaar audit <action>", "verify [--entity ID]"}},
		{[]string{"audit", "verify", "--help"}, []string{"usage: weerbaar audit verify", "-entity ID", "instance chain"}},
		{[]string{"genkey", "--help"}, []string{"usage: weerbaar genkey"}},
		{[]string{"export", "--help"}, []string{"usage: weerbaar export --entity ID", "-out", "-lang", "docs/package.md"}},
		{[]string{"export-key", "--help"}, []string{"usage: weerbaar export-key", "public key"}},
		{[]string{"verify-package", "--help"}, []string{"usage: weerbaar verify-package FILE.zip", "-public-key KEY", "no database"}},
		{[]string{"backup", "--help"}, []string{"usage: weerbaar backup --out FILE", "-out string", "docs/backup.md", "secret key"}},
		{[]string{"restore", "--help"}, []string{"usage: weerbaar restore FILE [--check]", "-check", "empty database", "docs/backup.md"}},
		{[]string{"help"}, []string{"backup --out FILE", "restore FILE [--check]"}},
		{[]string{"healthcheck", "--help"}, []string{"usage: weerbaar healthcheck", "WEERBAAR_ADDR"}},
		{[]string{"scope", "--help"}, []string{"usage: weerbaar scope", "--employees N"}},
		{[]string{"deadlines", "--help"}, []string{"usage: weerbaar deadlines --aware", "--trust-service", "+02:00"}},
		{[]string{"significance", "-h"}, []string{"usage: weerbaar significance --turnover EUR", "--same-root-cause", "--lang en|nl"}},
		{[]string{"help", "deadlines"}, []string{"usage: weerbaar deadlines"}},
		{[]string{"help"}, []string{"deadlines --aware", "significance --turnover EUR"}},
		{[]string{"help", "user"}, []string{"usage: weerbaar user <action>"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), tt.args, noEnv, &stdout, &stderr); err != nil {
				t.Fatalf("err %v, want none (stderr %q)", err, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("help lacks %q:\n%s", w, stdout.String())
				}
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr not empty: %s", stderr.String())
			}
		})
	}
}

// TestMisuseShowsUsage: an unknown command, action or flag, or a missing
// argument, prints the usage to stderr and exits 2 — before any
// configuration is read, so it is never "WEERBAAR_SECRET_KEY is not set".
func TestMisuseShowsUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args       []string
		errHas     string
		stderrHas  string
		stderrHas2 string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`, "usage: weerbaar <command>", "seed-demo"},
		{[]string{"--demo"}, `unknown command "--demo"`, "usage: weerbaar <command>", "serve [--demo]"},
		{[]string{"serve", "--nope"}, "flag provided but not defined", "usage: weerbaar serve", "-demo"},
		{[]string{"serve", "extra"}, `unexpected argument "extra"`, "usage: weerbaar serve", "-demo"},
		{[]string{"migrate"}, "an action is missing", "usage: weerbaar migrate <action>", "down N"},
		{[]string{"migrate", "sideways"}, `unknown action "sideways"`, "usage: weerbaar migrate <action>", "version"},
		{[]string{"migrate", "down"}, "number of migrations", "usage: weerbaar migrate down N", "Roll back"},
		{[]string{"migrate", "down", "x"}, `"x" is not a positive number`, "usage: weerbaar migrate down N", "Roll back"},
		{[]string{"migrate", "up", "now"}, `unexpected argument "now"`, "usage: weerbaar migrate up", "pending"},
		{[]string{"seed-demo", "--force"}, "flag provided but not defined", "usage: weerbaar seed-demo", "demo entity"},
		{[]string{"seed-large", "--scale", "0"}, "want a scale above 0", "usage: weerbaar seed-large", "-entities"},
		{[]string{"seed-large", "--entities", "21"}, "1 to 20 entities", "usage: weerbaar seed-large", "-scale F"},
		{[]string{"seed-large", "--today", "30-11-2026"}, "is not a date", "usage: weerbaar seed-large", "-today"},
		{[]string{"user"}, "an action is missing", "usage: weerbaar user <action>", "create"},
		{[]string{"user", "delete"}, `unknown action "delete"`, "usage: weerbaar user <action>", "create"},
		{[]string{"user", "create"}, "--email and --name are required", "usage: weerbaar user create", "-instance-admin"},
		{[]string{"user", "create", "--email", "a@example.nl"}, "--email and --name are required", "usage: weerbaar user create", "-name string"},
		{[]string{"audit"}, "an action is missing", "usage: weerbaar audit <action>", "verify"},
		{[]string{"audit", "verify", "--entity", "x"}, "want an entity id", "usage: weerbaar audit verify", "-entity ID"},
		{[]string{"genkey", "extra"}, `unexpected argument "extra"`, "usage: weerbaar genkey", "WEERBAAR_SECRET_KEY"},
		{[]string{"backup"}, "--out is required", "usage: weerbaar backup --out FILE", "-out"},
		{[]string{"backup", "--out", "x.zip", "extra"}, `unexpected argument "extra"`, "usage: weerbaar backup", "-out"},
		{[]string{"restore"}, "the backup file is missing", "usage: weerbaar restore FILE", "-check"},
		{[]string{"restore", "a.zip", "b.zip"}, `unexpected argument "b.zip"`, "usage: weerbaar restore FILE", "-check"},
		{[]string{"restore", "--force", "a.zip"}, "flag provided but not defined", "usage: weerbaar restore FILE", "-check"},
		{[]string{"healthcheck", "--addr", "x"}, "flag provided but not defined", "usage: weerbaar healthcheck", "WEERBAAR_ADDR"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, noEnv, &stdout, &stderr)
			if exitCode(err) != 2 || err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("err %v (exit %d), want exit 2 with %q", err, exitCode(err), tt.errHas)
			}
			for _, w := range []string{tt.stderrHas, tt.stderrHas2} {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty: %s", stdout.String())
			}
		})
	}
}

// TestServeNeedsTheSecretKey: the one command that uses the key asks for it.
func TestServeNeedsTheSecretKey(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"serve"}, noEnv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "WEERBAAR_SECRET_KEY is not set") || exitCode(err) != 1 {
		t.Fatalf("serve without a key: %v", err)
	}
}

// TestDatabaseCommandsNeedNoSecretKey: migrate, seed-demo, audit verify and
// user create run with only a database URL.
func TestDatabaseCommandsNeedNoSecretKey(t *testing.T) {
	t.Parallel()
	_, conn := dbtest.NewWithConnString(t)
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": conn}[k] }
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "up"}, "schema version "},
		{[]string{"migrate", "version"}, "schema version "},
		{[]string{"seed-demo"}, "demo data created"},
		{[]string{"audit", "verify"}, "keten intact"},
		{[]string{"user", "create", "--email", "new@example.nl", "--name", "New User"}, "/set-password/"},
	} {
		var stdout bytes.Buffer
		if err := run(context.Background(), tt.args, getenv, &stdout, io.Discard); err != nil {
			t.Fatalf("%v without a secret key: %v", tt.args, err)
		}
		if !strings.Contains(stdout.String(), tt.want) {
			t.Errorf("%v: output %q lacks %q", tt.args, stdout.String(), tt.want)
		}
	}
}

// TestUserCreateWarnsAboutTheDefaultBaseURL: without WEERBAAR_BASE_URL the
// link still comes (it is right on the server's own machine), with a warning
// on stderr that says which URL it used and how to set the real one; with the
// variable set there is no warning.
func TestUserCreateWarnsAboutTheDefaultBaseURL(t *testing.T) {
	t.Parallel()
	_, conn := dbtest.NewWithConnString(t)
	var stdout, stderr bytes.Buffer
	args := []string{"user", "create", "--email", "first@example.nl", "--name", "First"}
	if err := run(context.Background(), args, envOf(map[string]string{"DATABASE_URL": conn}), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "\nhttp://127.0.0.1:8080/set-password/") {
		t.Errorf("stdout %q lacks the default link", stdout.String())
	}
	for _, w := range []string{"warning: WEERBAAR_BASE_URL is not set", "default base URL http://127.0.0.1:8080", "WEERBAAR_BASE_URL=https://"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
		}
	}
	if strings.Contains(stdout.String(), "warning") {
		t.Errorf("the warning is on stdout, where scripts read the link: %q", stdout.String())
	}

	stdout.Reset()
	stderr.Reset()
	args = []string{"user", "create", "--email", "second@example.nl", "--name", "Second"}
	getenv := envOf(map[string]string{"DATABASE_URL": conn, "WEERBAAR_BASE_URL": "https://nis2.example.nl"})
	if err := run(context.Background(), args, getenv, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "\nhttps://nis2.example.nl/set-password/") || stderr.Len() != 0 {
		t.Errorf("with a base URL: stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}
