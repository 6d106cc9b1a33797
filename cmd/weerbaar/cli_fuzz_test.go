package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/report"
)

// FuzzCommandLine: any command line (tab-separated) of any command. The
// environment has an invalid log level, so a command whose arguments parse
// stops at loading its configuration: the outcome shows how the arguments
// were taken without touching a database, a port or a file. Help goes to
// stdout and succeeds; a usage error (exit 2) prints a usage to stderr and
// nothing to stdout; any other outcome of a command that needs
// configuration is the configuration error, with nothing on stdout.
func FuzzCommandLine(f *testing.F) {
	for _, seed := range []string{
		"export\t--entity\t1\t--lang\tnl\t--out\tx.zip",
		"export\t--entity=1\t--lang=EN\t--from\t2026-01-01\t--to\t2025-12-31\t--out\tx.zip",
		"export\t--entity\t-1\t--lang\tde\t--out\t",
		"export\t--entity\t1\t--lang\tnl\t--out\tx.zip\textra",
		"verify-package\tp.zip\t--public-key\tAAAA",
		"verify-package\t--public-key=" + strings.Repeat("A", 43) + "=\tp.zip",
		"verify-package",
		"audit\tverify\t--entity\t0",
		"audit\tverify\t--entity\t-1",
		"audit\tverify\t--entity\t9223372036854775808",
		"audit",
		"audit\tnope",
		"user\tcreate\t--email\ta@b.nl\t--name\tAn\t--instance-admin",
		"user\tcreate\t--email\ta@b.nl",
		"migrate\tdown\t1",
		"migrate\tdown\t-1",
		"migrate\tup\tx",
		"migrate\tversion",
		"serve\t--demo",
		"seed-demo\tx",
		"export-key",
		"healthcheck",
		"help\texport",
		"export\t--help",
		"nope",
		"",
	} {
		f.Add(seed)
	}
	f.Chdir(f.TempDir())
	if err := os.WriteFile("p.zip", []byte("PK\x05\x06"+strings.Repeat("\x00", 18)), 0o644); err != nil {
		f.Fatal(err)
	}
	env := func(k string) string {
		if k == "WEERBAAR_LOG_LEVEL" {
			return "fuzz"
		}
		return ""
	}
	f.Fuzz(func(t *testing.T, line string) {
		var args []string
		if line != "" {
			args = strings.Split(line, "\t")
		}
		cmd := "serve"
		if len(args) > 0 {
			cmd = args[0]
		}
		if cmd == "verify-package" && slices.ContainsFunc(args, func(a string) bool { return strings.ContainsAny(a, `/\`) }) {
			t.Skip("reads only the test's own directory")
		}
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, env, &stdout, &stderr)
		var usage usageError
		switch {
		case errors.As(err, &usage):
			if exitCode(err) != 2 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "usage: weerbaar") {
				t.Fatalf("%q: usage error %v, stdout %q, stderr %q", line, err, stdout.String(), stderr.String())
			}
		case slices.Contains([]string{"scope", "deadlines", "significance", "genkey", "verify-package"}, cmd):
			// Commands that need no configuration: their own targets and tests.
		case err == nil:
			if stderr.Len() != 0 || !strings.Contains(stdout.String(), "usage: weerbaar") {
				t.Fatalf("%q: succeeded without configuration: stdout %q, stderr %q", line, stdout.String(), stderr.String())
			}
		default:
			if !strings.Contains(err.Error(), "invalid configuration") || !strings.Contains(err.Error(), "WEERBAAR_LOG_LEVEL") ||
				stdout.Len() != 0 {
				t.Fatalf("%q: %v, stdout %q", line, err, stdout.String())
			}
		}
	})
}

// FuzzExportArgs: export's arguments, given as flags. Accepted: the
// entity id as written in decimal and positive, a language, an output
// file, and the period given (both dates, in order, as written) or else the
// twelve months up to now.
func FuzzExportArgs(f *testing.F) {
	f.Add("1", "nl", "", "", "x.zip", "")
	f.Add("010", "EN", "2026-01-01", "2026-12-31", "x.zip", "")
	f.Add("0x10", "en", "2026-02-29", "2026-03-01", "x.zip", "")
	f.Add("9223372036854775807", " nl ", "2026-03-01", "", "", "--demo")
	f.Add("+3", "nl", "2026-03-02", "2026-03-01", "-", "x")
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, entity, lang, from, to, out, extra string) {
		args := []string{"--entity", entity, "--lang", lang, "--out", out}
		if from != "" {
			args = append(args, "--from", from)
		}
		if to != "" {
			args = append(args, "--to", to)
		}
		if extra != "" {
			args = append(args, extra)
		}
		var stdout, stderr bytes.Buffer
		e := &cmdEnv{getenv: func(string) string { return "" }, stdout: &stdout, stderr: &stderr}
		req, help, err := e.parseExport(args, now)
		if help {
			return
		}
		if err != nil {
			if exitCode(err) != 2 || !strings.Contains(stderr.String(), "usage: weerbaar export") || stdout.Len() != 0 {
				t.Fatalf("%q: %v, stderr %q", args, err, stderr.String())
			}
			return
		}
		if id, err := strconv.ParseInt(entity, 10, 64); err != nil || id != req.entityID || id <= 0 {
			t.Fatalf("%q: entity %q read as %d", args, entity, req.entityID)
		}
		if l, ok := i18n.Parse(lang); !ok || l != req.lang || req.out != out || out == "" {
			t.Fatalf("%q: accepted as %+v", args, req)
		}
		switch {
		case from == "" && to == "":
			if req.period != report.LastYear(now) {
				t.Fatalf("%q: default period %+v", args, req.period)
			}
		case req.period.From.Format(time.DateOnly) != from || req.period.To.Format(time.DateOnly) != to || req.period.To.Before(req.period.From):
			t.Fatalf("%q: period %+v", args, req.period)
		}
	})
}
