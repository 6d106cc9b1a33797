package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/app"
	"github.com/weerbaar/weerbaar/internal/config"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/secretkey"
)

// usageError marks bad command-line input; the process exits 2 for it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// command is one sub-command. Its body parses its own flags first and loads
// only the configuration it uses, so `--help` and usage errors never need
// configuration and `migrate` never asks for the secret key.
type command struct {
	name, synopsis, summary string
	run                     func(ctx context.Context, e *cmdEnv, args []string) error
}

// commands is the command table; the top-level usage is made from it.
var commands = []command{
	{"serve", "[--demo] [--pprof ADDR]", "run the web app (default); migrates first unless WEERBAAR_AUTO_MIGRATE=false", serveCmd},
	{"migrate", "up | down N | version", "apply, roll back or show the database migrations", migrateCmd},
	{"seed-demo", "", "create the demo entity and accounts (idempotent)", seedDemoCmd},
	{"seed-large", seedLargeSynopsis, "create the large benchmark dataset (20 entities, 100,000 audit rows) and print its accounts (idempotent)", seedLargeCmd},
	{"user", "create --email E --name N [--instance-admin]", "create an account and print its one-time set-password link (valid 72 h)", userCmd},
	{"audit", "verify [--entity ID] [--checkpoints FILE] | checkpoint", "check the audit log's hash chains against the signed checkpoints (exit 1 when broken or cut), or write a checkpoint", auditCmd},
	{"export", "--entity ID --lang nl|en [--from YYYY-MM-DD --to YYYY-MM-DD] --out FILE.zip", "write an entity's signed evidence package (ZIP)", exportCmd},
	{"export-key", "", "print the public key that verifies this instance's evidence packages", exportKeyCmd},
	{"verify-package", "FILE.zip [--public-key KEY]", "check an evidence package's signature, files and audit chain; exit 1 naming the first mismatch; needs no database", verifyPackageCmd},
	{"backup", "--out FILE", "write the whole database (evidence files and packages included) to a verifiable archive", backupCmd},
	{"restore", "FILE [--check]", "check a backup's hashes and restore it into an empty database; exit 1 naming the first mismatch", restoreCmd},
	{"genkey", "", "print a new WEERBAAR_SECRET_KEY", genkeyCmd},
	{"scope", "--subsector CODE… --employees N --turnover EUR --balance EUR | --list", "print the NIS2 classification as JSON; needs no database", func(_ context.Context, e *cmdEnv, args []string) error {
		return scopeCmd(args, e.stdout, e.stderr)
	}},
	{"deadlines", `--aware "YYYY-MM-DD HH:MM" [--trust-service] [--notified "YYYY-MM-DD HH:MM"]`, "print an incident's report deadlines (Europe/Amsterdam) as JSON; needs no database", func(_ context.Context, e *cmdEnv, args []string) error {
		return deadlinesCmd(args, e.stdout, e.stderr)
	}},
	{"significance", "--turnover EUR (--loss EUR | --incident EUR@YYYY-MM-DD… [--same-root-cause])", "print whether an incident's financial loss makes it significant as JSON; needs no database", func(_ context.Context, e *cmdEnv, args []string) error {
		return significanceCmd(args, e.stdout, e.stderr)
	}},
	{"healthcheck", "", "exit 0 when the server on WEERBAAR_ADDR is ready (container health checks)", healthcheckCmd},
}

// usage is the top-level help text.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: weerbaar <command> [arguments]\n\ncommands:\n")
	for _, c := range commands {
		line := "  " + c.name
		if c.synopsis != "" {
			line += " " + c.synopsis
		}
		fmt.Fprintf(&b, "%s\n      %s\n", line, c.summary)
	}
	b.WriteString("\n`weerbaar <command> --help` (or `weerbaar help <command>`) describes a command and its flags.\n" +
		"Configuration comes from environment variables (see README.md); help needs none.")
	return b.String()
}

// cmdEnv is what a command gets from the process.
type cmdEnv struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

// load reads only the configuration parts the command uses.
func (e *cmdEnv) load(parts config.Part) (config.Config, error) {
	return config.LoadParts(e.getenv, parts)
}

// openDatabase loads the configuration parts a command needs and opens its
// database, quietly (a command's output is its own); close it when done.
func (e *cmdEnv) openDatabase(ctx context.Context, parts config.Part) (config.Config, *app.Database, error) {
	cfg, err := e.load(parts)
	if err != nil {
		return cfg, nil, err
	}
	database, err := e.open(ctx, cfg)
	return cfg, database, err
}

// open opens the database of cfg quietly.
func (e *cmdEnv) open(ctx context.Context, cfg config.Config) (*app.Database, error) {
	return app.OpenDatabase(ctx, cfg, app.NewLogger(io.Discard, 0))
}

// flags returns the flag set of `weerbaar <name>`; its usage text is the
// synopsis, what the command does and each flag.
func (e *cmdEnv) flags(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: weerbaar %s\n\n%s\n", strings.TrimSpace(name+" "+synopsis), about)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(w, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses args with fs. --help (or -h) prints the usage to stdout and
// reports help; a bad flag prints it to stderr and returns a usage error.
func (e *cmdEnv) parse(fs *flag.FlagSet, args []string) (help bool, err error) {
	err = fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(e.stdout)
		fs.Usage()
		return true, nil
	}
	if err != nil {
		return false, e.misuse(fs, fs.Name()+": "+err.Error())
	}
	return false, nil
}

// parseFile parses a command that takes one file, what names it in the
// messages, with its flags before or after the file name.
func (e *cmdEnv) parseFile(fs *flag.FlagSet, args []string, what string) (file string, help bool, err error) {
	if help, err := e.parse(fs, args); help || err != nil {
		return "", help, err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return "", false, e.misuse(fs, fs.Name()+": the "+what+" is missing")
	}
	if help, err := e.parse(fs, rest[1:]); help || err != nil { // flags after the file name
		return "", help, err
	}
	if fs.NArg() > 0 {
		return "", false, e.misuse(fs, fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0)))
	}
	return rest[0], false, nil
}

// misuse prints the usage of fs to stderr and returns a usage error (exit 2).
func (e *cmdEnv) misuse(fs *flag.FlagSet, msg string) error {
	fs.SetOutput(e.stderr)
	fs.Usage()
	return usageError{msg}
}

// action is one verb of a command with verbs (`migrate up`, `user create`).
type action struct {
	name, synopsis, summary string
	run                     func(ctx context.Context, e *cmdEnv, args []string) error
}

// dispatch runs the action named by args[0]; without one, or with --help,
// it lists the actions.
func (e *cmdEnv) dispatch(ctx context.Context, name string, actions []action, args []string) error {
	list := func(w io.Writer) {
		fmt.Fprintf(w, "usage: weerbaar %s <action>\n\nactions:\n", name)
		for _, a := range actions {
			fmt.Fprintf(w, "  %s\n      %s\n", strings.TrimSpace(a.name+" "+a.synopsis), a.summary)
		}
		fmt.Fprintf(w, "\n`weerbaar %s <action> --help` describes an action and its flags.\n", name)
	}
	if len(args) == 0 {
		list(e.stderr)
		return usageError{name + ": an action is missing"}
	}
	if isHelp(args[0]) {
		list(e.stdout)
		return nil
	}
	for _, a := range actions {
		if a.name == args[0] {
			return a.run(ctx, e, args[1:])
		}
	}
	list(e.stderr)
	return usageError{fmt.Sprintf("%s: unknown action %q", name, args[0])}
}

func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

// run is the whole program; it returns errors instead of exiting so tests can
// call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &cmdEnv{getenv: getenv, stdout: stdout, stderr: stderr}
	name := "serve"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	if isHelp(name) {
		if len(args) > 0 && !isHelp(args[0]) { // `weerbaar help migrate`
			return run(ctx, []string{args[0], "--help"}, getenv, stdout, stderr)
		}
		fmt.Fprintln(stdout, usage())
		return nil
	}
	if name != "serve" {
		// The operator's commands (backup, audit verify, export, seeding …)
		// work on the whole instance, as the database's owner; row-level
		// security holds the web app (internal/db, ForEntity).
		ctx = db.AcrossEntities(ctx)
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(ctx, e, args)
		}
	}
	fmt.Fprintln(stderr, usage())
	return usageError{fmt.Sprintf("unknown command %q", name)}
}

func serveCmd(ctx context.Context, e *cmdEnv, args []string) error {
	fs := e.flags("serve", "[--demo] [--pprof ADDR]", "Run the web app until SIGINT/SIGTERM. Applies pending migrations first\n"+
		"unless WEERBAAR_AUTO_MIGRATE=false. Needs WEERBAAR_SECRET_KEY (or _FILE).")
	demoFlag := fs.Bool("demo", false, "seed the demo entity and accounts when the database holds no entity yet")
	pprofFlag := fs.String("pprof", "", "serve the Go profiler (/debug/pprof/) on this loopback `address`, e.g. 127.0.0.1:6060 (WEERBAAR_PPROF_ADDR)")
	if help, err := e.parse(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.misuse(fs, fmt.Sprintf("serve: unexpected argument %q", fs.Arg(0)))
	}
	if *pprofFlag != "" { // the flag wins over the variable and is checked the same way
		getenv := e.getenv
		e = &cmdEnv{getenv: func(k string) string {
			if k == "WEERBAAR_PPROF_ADDR" {
				return *pprofFlag
			}
			return getenv(k)
		}, stdout: e.stdout, stderr: e.stderr}
	}
	cfg, err := e.load(config.All)
	if err != nil {
		return err
	}
	logger := app.NewLogger(e.stderr, cfg.LogLevel)
	if percent, limit := tuneGC(os.LookupEnv); percent > 0 || limit > 0 {
		logger.Info("garbage collection tuned for serving; GOGC or GOMEMLIMIT in the environment override it",
			"gogc", percent, "memory_limit_bytes", limit)
	}
	return app.Serve(ctx, cfg, app.ServeOptions{Demo: *demoFlag}, logger, e.stdout)
}

// Garbage collection of the web app, unless the operator set Go's own
// GOGC or GOMEMLIMIT: collect when the heap has grown to five times what
// survived the last collection (GOGC=400), not twice, but never let it pass
// serveMemoryLimit before collecting. A page allocates a few hundred
// kilobytes that die with the request; at the default about 15 % of the
// server's CPU went to collecting them under load (docs/performance.md).
const (
	serveGCPercent   = 400
	serveMemoryLimit = 1 << 30
)

// tuneGC applies serveGCPercent and serveMemoryLimit where the environment
// (lookup) does not set GOGC and GOMEMLIMIT; it returns what it set, for
// the log and the tests.
func tuneGC(lookup func(string) (string, bool)) (percent int, limit int64) {
	percent, limit = -1, -1
	if _, set := lookup("GOGC"); !set {
		debug.SetGCPercent(serveGCPercent)
		percent = serveGCPercent
	}
	if _, set := lookup("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(serveMemoryLimit)
		limit = serveMemoryLimit
	}
	return percent, limit
}

// noArgs parses a command or action without flags or arguments.
func (e *cmdEnv) noArgs(name, about string, args []string) (help bool, err error) {
	fs := e.flags(name, "", about)
	if help, err := e.parse(fs, args); help || err != nil {
		return help, err
	}
	if fs.NArg() > 0 {
		return false, e.misuse(fs, fmt.Sprintf("%s: unexpected argument %q", name, fs.Arg(0)))
	}
	return false, nil
}

func migrateCmd(ctx context.Context, e *cmdEnv, args []string) error {
	const dbNote = "\n\nNeeds only the database (DATABASE_URL, or a discovered local server)."
	return e.dispatch(ctx, "migrate", []action{
		{"up", "", "apply all pending migrations", func(ctx context.Context, e *cmdEnv, args []string) error {
			if help, err := e.noArgs("migrate up", "Apply all pending migrations."+dbNote, args); help || err != nil {
				return err
			}
			return migrate(ctx, e, "up", 0)
		}},
		{"down", "N", "roll back the last N migrations", func(ctx context.Context, e *cmdEnv, args []string) error {
			fs := e.flags("migrate down", "N", "Roll back the last N migrations (N ≥ 1)."+dbNote)
			if help, err := e.parse(fs, args); help || err != nil {
				return err
			}
			if fs.NArg() != 1 {
				return e.misuse(fs, "migrate down: want the number of migrations to roll back")
			}
			n, err := strconv.Atoi(fs.Arg(0))
			if err != nil || n <= 0 {
				return e.misuse(fs, fmt.Sprintf("migrate down: %q is not a positive number", fs.Arg(0)))
			}
			return migrate(ctx, e, "down", n)
		}},
		{"version", "", "print the schema version", func(ctx context.Context, e *cmdEnv, args []string) error {
			if help, err := e.noArgs("migrate version", "Print the schema version, and whether a migration failed halfway."+dbNote, args); help || err != nil {
				return err
			}
			return migrate(ctx, e, "version", 0)
		}},
	}, args)
}

func migrate(ctx context.Context, e *cmdEnv, action string, steps int) error {
	_, database, err := e.openDatabase(ctx, config.Database)
	if err != nil {
		return err
	}
	defer database.Close()
	mg, err := db.NewMigrator(database.Pool)
	if err != nil {
		return err
	}
	defer mg.Close()
	switch action {
	case "up":
		err = mg.Up()
	case "down":
		err = mg.Down(steps)
	}
	if err != nil {
		return fmt.Errorf("migrate %s: %w", action, err)
	}
	v, dirty, err := mg.Version()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "schema version %d", v)
	if dirty {
		fmt.Fprint(e.stdout, " (dirty: a migration failed halfway; fix it and force the version)")
	}
	fmt.Fprintln(e.stdout)
	return nil
}

func seedDemoCmd(ctx context.Context, e *cmdEnv, args []string) error {
	if help, err := e.noArgs("seed-demo", "Create the demo entity Drinkwaterbedrijf Demo B.V. with one account per role,\n"+
		"unless it exists already. Needs only the database.", args); help || err != nil {
		return err
	}
	cfg, err := e.load(config.Database)
	if err != nil {
		return err
	}
	database, err := app.OpenDatabase(ctx, cfg, app.NewLogger(e.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer database.Close()
	created, err := demo.Seed(ctx, database.Pool)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintln(e.stdout, "demo data created")
	} else {
		fmt.Fprintln(e.stdout, "demo data already present")
	}
	return nil
}

func genkeyCmd(_ context.Context, e *cmdEnv, args []string) error {
	if help, err := e.noArgs("genkey", "Print a new random 32-byte key (base64) for WEERBAAR_SECRET_KEY.", args); help || err != nil {
		return err
	}
	key, err := secretkey.Generate()
	if err == nil {
		fmt.Fprintln(e.stdout, key)
	}
	return err
}

func healthcheckCmd(ctx context.Context, e *cmdEnv, args []string) error {
	if help, err := e.noArgs("healthcheck", "Exit 0 when the server listening on WEERBAAR_ADDR answers /readyz with 200\n"+
		"(for container health checks; distroless images have no curl).", args); help || err != nil {
		return err
	}
	cfg, err := e.load(config.Address)
	if err != nil {
		return err
	}
	return healthcheck(ctx, cfg.Addr)
}

// healthcheck asks the local server's /readyz; distroless images have no curl.
func healthcheck(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /readyz answered %d", resp.StatusCode)
	}
	return nil
}
