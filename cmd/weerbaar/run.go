package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
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

const usage = `usage: weerbaar <command> [flags]

commands:
  serve [--demo]          run the web app (default); --demo seeds demo data into an empty database
  migrate up              apply all pending migrations
  migrate down N          roll back N migrations
  migrate version         print the schema version
  seed-demo               create the demo entity (idempotent)
  user create --email E --name N [--instance-admin]
                          create an account and print its one-time set-password link (valid 72 h)
  audit verify [--entity ID]
                          check the audit log's hash chains (all, or one entity's); exit 1 when broken
  genkey                  print a new WEERBAAR_SECRET_KEY
  scope --subsector CODE… --employees N --turnover EUR --balance EUR | --list
                          print the NIS2 classification (essential/important) as JSON; no database needed
  healthcheck             exit 0 when the server on WEERBAAR_ADDR is ready (for container health checks)`

// run is the whole program; it returns errors instead of exiting so tests can
// call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	case "genkey":
		key, err := secretkey.Generate()
		if err == nil {
			fmt.Fprintln(stdout, key)
		}
		return err
	case "scope":
		return scopeCmd(args, stdout, stderr)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	logger := app.NewLogger(stderr, cfg.LogLevel)
	switch cmd {
	case "serve":
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(stderr)
		demoFlag := fs.Bool("demo", false, "seed demo data into an empty database")
		if err := fs.Parse(args); err != nil {
			return usageError{err.Error()}
		}
		return app.Serve(ctx, cfg, app.ServeOptions{Demo: *demoFlag}, logger, stdout)
	case "migrate":
		return migrateCmd(ctx, cfg, args, stdout)
	case "seed-demo":
		database, err := app.OpenDatabase(ctx, cfg, logger)
		if err != nil {
			return err
		}
		defer database.Close()
		created, err := demo.Seed(ctx, database.Pool)
		if err != nil {
			return err
		}
		if created {
			fmt.Fprintln(stdout, "demo data created")
		} else {
			fmt.Fprintln(stdout, "demo data already present")
		}
		return nil
	case "healthcheck":
		return healthcheck(ctx, cfg.Addr)
	case "user":
		return userCmd(ctx, cfg, args, stdout, stderr)
	case "audit":
		return auditCmd(ctx, cfg, args, stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown command %q\n%s", cmd, usage)}
}

func migrateCmd(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"migrate: want up, down N or version"}
	}
	steps := 0
	if args[0] == "down" {
		if len(args) != 2 {
			return usageError{"migrate down: want the number of migrations to roll back"}
		}
		n, err := strconv.Atoi(args[1])
		if err != nil || n <= 0 {
			return usageError{fmt.Sprintf("migrate down: %q is not a positive number", args[1])}
		}
		steps = n
	} else if args[0] != "up" && args[0] != "version" {
		return usageError{fmt.Sprintf("migrate: unknown action %q", args[0])}
	}
	database, err := app.OpenDatabase(ctx, cfg, app.NewLogger(io.Discard, 0))
	if err != nil {
		return err
	}
	defer database.Close()
	mg, err := db.NewMigrator(database.Pool)
	if err != nil {
		return err
	}
	defer mg.Close()
	switch args[0] {
	case "up":
		err = mg.Up()
	case "down":
		err = mg.Down(steps)
	}
	if err != nil {
		return fmt.Errorf("migrate %s: %w", args[0], err)
	}
	v, dirty, err := mg.Version()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d", v)
	if dirty {
		fmt.Fprint(stdout, " (dirty: a migration failed halfway; fix it and force the version)")
	}
	fmt.Fprintln(stdout)
	return nil
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
