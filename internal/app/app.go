// Package app wires Weerbaar together in one place: configuration, database,
// services and the HTTP server, with an orderly start and shutdown.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/config"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/mail"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
	"github.com/weerbaar/weerbaar/internal/report"
	"github.com/weerbaar/weerbaar/internal/secretkey"
	"github.com/weerbaar/weerbaar/internal/server"
)

// DatabaseName is the database Weerbaar creates on a discovered server.
const DatabaseName = "weerbaar"

// NewLogger returns the JSON logger every component writes to.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// Database is an open pool plus whatever must be stopped with it.
type Database struct {
	Pool   *pgxpool.Pool
	Source db.Source
}

// Close closes the pool and stops a private cluster this process started.
func (d *Database) Close() error {
	d.Pool.Close()
	if d.Source.Cluster != nil {
		return d.Source.Cluster.Stop()
	}
	return nil
}

// OpenDatabase finds (or starts) the database and opens a pool on it.
func OpenDatabase(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Database, error) {
	src, err := db.Discover(ctx, cfg.DatabaseURL, cfg.DataDir, DatabaseName)
	if err != nil {
		return nil, err
	}
	pool, err := db.NewPool(ctx, src.ConnString)
	if err != nil {
		if src.Cluster != nil {
			_ = src.Cluster.Stop()
		}
		return nil, err
	}
	logger.Info("database", "source", src.Kind)
	return &Database{Pool: pool, Source: src}, nil
}

// SwitchToAppRole replaces the owner's pool, used for migrating and
// seeding, with the web app's: every connection acts as db.AppRole, or logs
// in as WEERBAAR_APP_DATABASE_URL's role. It refuses a role that escapes
// row-level security.
func (d *Database) SwitchToAppRole(ctx context.Context, cfg config.Config) error {
	pool, err := db.NewAppPool(ctx, d.Source.ConnString, cfg.AppDatabaseURL)
	if err != nil {
		return fmt.Errorf("open the app's database pool: %w", err)
	}
	if err := db.CheckHeldByPolicies(ctx, pool); err != nil {
		pool.Close()
		return err
	}
	d.Pool.Close()
	d.Pool = pool
	return nil
}

// ServeOptions are the flags of `weerbaar serve`.
type ServeOptions struct {
	// Demo seeds the demo entity when the database holds no entity yet.
	Demo bool
}

// Serve runs the HTTP server until ctx is cancelled (SIGINT/SIGTERM), then
// drains: readiness turns 503, in-flight requests finish within the shutdown
// timeout, and the database is closed.
func Serve(ctx context.Context, cfg config.Config, opts ServeOptions, logger *slog.Logger, stdout io.Writer) error {
	database, err := OpenDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer func() {
		if err := database.Close(); err != nil {
			logger.Error("stop database", "err", err.Error())
		}
	}()
	if cfg.AutoMigrate {
		if err := db.MigrateUp(database.Pool); err != nil {
			return err
		}
	}
	// The catalogue editions this build ships are loaded once (idempotent);
	// a published edition that was edited stops the start.
	if err := catalogue.Sync(ctx, database.Pool); err != nil {
		return fmt.Errorf("load catalogue editions: %w", err)
	}
	if opts.Demo {
		seeded, err := demo.SeedIfEmpty(db.AcrossEntities(ctx), database.Pool)
		if err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		if seeded {
			logger.Info("demo data seeded")
		}
	}
	// From here on the app works as weerbaar_app, held by row-level security.
	if err := database.SwitchToAppRole(ctx, cfg); err != nil {
		return err
	}

	// Package builds no instance runs any more (this one's previous run, or
	// another instance that stopped) are marked failed now and every
	// QueuedGrace; a build another instance is running holds its lock and
	// is left alone.
	if err := report.FailInterrupted(ctx, database.Pool); err != nil {
		return err
	}
	go failAbandonedBuilds(ctx, database.Pool, logger)
	// Expired sessions are removed by a loop that ends with ctx.
	go deleteExpiredSessions(ctx, database.Pool, logger)
	// Deadline reminders run only with SMTP; shutdown waits for the mail
	// being sent before the database closes.
	remindersDone := StartReminders(ctx, cfg, database.Pool, logger, time.Now)
	authSvc, err := NewAuthService(cfg, database.Pool)
	if err != nil {
		return err
	}
	checkpoints, err := NewCheckpointer(cfg, database.Pool, logger)
	if err != nil {
		return err
	}
	// The audit chain heads are checkpointed now and every 15 minutes.
	checkpointsDone := make(chan struct{})
	go func() {
		defer close(checkpointsDone)
		checkpoints.Run(ctx)
	}()
	srv := server.New(server.Deps{
		Config: cfg, Pool: database.Pool, Logger: logger, Auth: authSvc, Mailer: NewMailer(cfg),
		Sessions: NewSessionManager(cfg, database.Pool), Background: ctx, Checkpoints: checkpoints,
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.PprofAddr != "" {
		// The profiler on its own loopback listener, never on the app's router.
		_, stopPprof, err := StartPprof(cfg.PprofAddr, logger)
		if err != nil {
			_ = ln.Close()
			return err
		}
		defer func() { _ = stopPprof(context.Background()) }()
	}
	httpServer := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "Weerbaar draait op %s (listening on %s)\n", cfg.BaseURL, ln.Addr())
	if opts.Demo {
		printDemoAccounts(stdout)
	}
	logger.Info("listening", "addr", ln.Addr().String())

	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	srv.StartDraining()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// Package builds end with ctx (a cancelled build is marked failed);
	// the database closes after them.
	buildsDone := make(chan struct{})
	go func() { srv.WaitBackground(); close(buildsDone) }()
	select {
	case <-buildsDone:
	case <-shutdownCtx.Done():
		logger.Warn("evidence package builds still running at shutdown")
	}
	if remindersDone != nil {
		select {
		case <-remindersDone:
		case <-shutdownCtx.Done():
			logger.Warn("incident reminders still running at shutdown")
		}
	}
	select {
	case <-checkpointsDone:
	case <-shutdownCtx.Done():
		logger.Warn("audit checkpoint still being written at shutdown")
	}
	logger.Info("stopped")
	return nil
}

func deleteExpiredSessions(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) {
	ticker := time.NewTicker(10 * time.Minute)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if _, err := pool.Exec(ctx, "DELETE FROM sessions WHERE expiry < now()"); err != nil && ctx.Err() == nil {
				logger.Warn("delete expired sessions", "err", err.Error())
			}
		}
	}
}

// failAbandonedBuilds fails, every QueuedGrace until ctx ends, the package
// builds whose instance stopped while this one runs on.
func failAbandonedBuilds(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) {
	ticker := time.NewTicker(report.QueuedGrace)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if err := report.FailInterrupted(ctx, pool); err != nil && ctx.Err() == nil {
				logger.Warn("fail abandoned package builds", "err", err.Error())
			}
		}
	}
}

// NewAuthService wires the account service: sealed TOTP secrets, the login
// throttle (5 failures per account, 50 per IP, per 15 minutes) and links on
// the base URL.
func NewAuthService(cfg config.Config, pool *pgxpool.Pool) (*auth.Service, error) {
	sealer, err := auth.NewSealer(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	return &auth.Service{
		Pool: pool, Sealer: sealer, Throttle: auth.NewThrottle(auth.ThrottleConfig{}, time.Now),
		BaseURL: cfg.BaseURL.String(), Now: time.Now,
	}, nil
}

// NewCheckpointer returns the writer of audit chain checkpoints: signed with
// the checkpoint key derived from the secret key, appended to
// $WEERBAAR_DATA_DIR/audit-checkpoints.jsonl (and posted to
// WEERBAAR_AUDIT_WEBHOOK when set), naming the instance by its base URL. cfg needs the Database and SecretKey parts (and Address for the name).
func NewCheckpointer(cfg config.Config, pool *pgxpool.Pool, logger *slog.Logger) (*audit.Checkpointer, error) {
	key, err := secretkey.CheckpointKey(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	c := &audit.Checkpointer{Pool: pool, Key: key, Path: filepath.Join(cfg.DataDir, audit.CheckpointFile), Logger: logger,
		Webhook: cfg.AuditWebhook}
	if cfg.BaseURL != nil {
		c.Instance = cfg.BaseURL.String()
	}
	return c, nil
}

// NewMailer returns the SMTP sender, or nil when SMTP is not configured.
func NewMailer(cfg config.Config) mail.Sender {
	if cfg.SMTPAddr == "" {
		return nil
	}
	return mail.SMTP{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Username: cfg.SMTPUser, Password: cfg.SMTPPassword}
}

// StartReminders starts the incident deadline reminders (one run a minute,
// one instance at a time by advisory lock) when SMTP is configured, and
// returns a channel closed when the scheduler has stopped after ctx ends;
// without SMTP nothing starts and the channel is nil.
func StartReminders(ctx context.Context, cfg config.Config, pool *pgxpool.Pool, logger *slog.Logger, now func() time.Time) <-chan struct{} {
	mailer := NewMailer(cfg)
	if mailer == nil {
		logger.Info("incident reminders off: SMTP not configured")
		return nil
	}
	r := &incident.Reminders{Pool: pool, Mailer: mailer, BaseURL: cfg.BaseURL.String(), Logger: logger, Now: now}
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	return done
}

func printDemoAccounts(w io.Writer) {
	fmt.Fprintf(w, "Demo-organisatie: %s\nDemo-accounts (wachtwoord %q):\n", demo.EntityName, demo.Password)
	for _, a := range demo.Accounts {
		fmt.Fprintf(w, "  %-32s %s\n", a.Email, a.Role)
	}
}
