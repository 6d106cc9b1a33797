// Package apptest starts the real Weerbaar router over a fresh test database
// for HTTP and browser tests, and gives them a client that behaves like a
// browser (cookie jar, no automatic redirects).
package apptest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/app"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/config"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/mail"
	"github.com/weerbaar/weerbaar/internal/server"
)

// App is a running Weerbaar on a test database.
type App struct {
	Server *server.Server
	HTTP   *httptest.Server
	// Pool is the test database's owner (a superuser): tests seed and check
	// rows through it, past row-level security.
	Pool *pgxpool.Pool
	// AppPool is what the server runs on, as in production: every connection
	// acts as db.AppRole and is held by row-level security.
	AppPool *pgxpool.Pool
	Config  config.Config
	Auth    *auth.Service
	logs    *syncWriter
}

// Logs returns what the app logged so far.
func (a *App) Logs() string {
	a.logs.mu.Lock()
	defer a.logs.mu.Unlock()
	return a.logs.buf.String()
}

// Options tune the app under test.
type Options struct {
	// PlainHTTP serves without TLS (for the browser tests); default is https,
	// so Secure cookies behave as in production.
	PlainHTTP bool
	// Env adds environment variables to the configuration.
	Env map[string]string
	// Mailer receives the app's e-mails (nil: SMTP not configured).
	Mailer mail.Sender
	// Clock replaces time.Now for the login throttle and TOTP checks.
	Clock func() time.Time
	// Sessions, when set, may change the session manager before the app
	// starts (e.g. wrap its store in one that fails).
	Sessions func(*scs.SessionManager)
}

// TestKey is the WEERBAAR_SECRET_KEY of apps under test.
const TestKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// Start runs the app on a fresh database; it stops when the test ends.
func Start(t testing.TB, opts Options) *App {
	t.Helper()
	pool := dbtest.New(t)
	return StartWithPool(t, pool, opts)
}

// StartWithPool is Start on a pool the test prepared.
func StartWithPool(t testing.TB, pool *pgxpool.Pool, opts Options) *App {
	t.Helper()
	a := &App{Pool: pool, logs: &syncWriter{buf: &bytes.Buffer{}}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.Server.ServeHTTP(w, r) }))
	scheme := "https"
	if opts.PlainHTTP {
		scheme = "http"
	}
	env := map[string]string{
		"WEERBAAR_ADDR":       srv.Listener.Addr().String(),
		"WEERBAAR_BASE_URL":   scheme + "://" + srv.Listener.Addr().String(),
		"WEERBAAR_SECRET_KEY": TestKey,
		// The audit checkpoint file goes here, not into the package's ./var.
		"WEERBAAR_DATA_DIR": t.TempDir(),
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	a.Config = cfg
	appPool, err := db.NewAppPoolFromConfig(context.Background(), pool.Config())
	if err != nil {
		t.Fatalf("app pool: %v", err)
	}
	t.Cleanup(appPool.Close)
	if err := db.CheckHeldByPolicies(context.Background(), appPool); err != nil {
		t.Fatal(err)
	}
	a.AppPool = appPool
	pool = appPool
	authSvc, err := app.NewAuthService(cfg, pool)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Clock != nil {
		authSvc.Now = opts.Clock
		authSvc.Throttle = auth.NewThrottle(auth.ThrottleConfig{}, opts.Clock)
	}
	a.Auth = authSvc
	logger := slog.New(slog.NewJSONHandler(a.logs, nil))
	checkpoints, err := app.NewCheckpointer(cfg, pool, logger)
	if err != nil {
		t.Fatal(err)
	}
	sessions := app.NewSessionManager(cfg, pool)
	if opts.Sessions != nil {
		opts.Sessions(sessions)
	}
	a.Server = server.New(server.Deps{
		Config: cfg, Pool: pool, Auth: authSvc, Mailer: opts.Mailer,
		Logger: logger, Sessions: sessions, Checkpoints: checkpoints,
	})
	if opts.PlainHTTP {
		srv.Start()
	} else {
		srv.StartTLS()
	}
	a.HTTP = srv
	t.Cleanup(srv.Close)
	// Background builds end before the database is dropped.
	t.Cleanup(a.Server.WaitBackground)
	return a
}

// URL returns the absolute URL of path.
func (a *App) URL(path string) string { return a.HTTP.URL + path }

// Client returns a new browser-like client with its own cookie jar that does
// not follow redirects, so tests see every 303.
func (a *App) Client() *Client {
	jar, _ := cookiejar.New(nil)
	shared := a.HTTP.Client() // one *http.Client per server: copy it, or every client shares the last jar
	c := &http.Client{Transport: shared.Transport, Jar: jar}
	c.Timeout = 30 * time.Second
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{HTTP: c, app: a}
}

// Client is a test user's browser.
type Client struct {
	HTTP *http.Client
	app  *App
}

// Response is a fully read response.
type Response struct {
	*http.Response
	Body string
}

// Get fetches path.
func (c *Client) Get(t testing.TB, path string) Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.app.URL(path), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(t, req)
}

// GetCountingQueries fetches path like Get, but in-process through the same
// router (with this client's cookies), and returns the number of SQL queries
// the request took as counted by the pool's tracer (db.WithQueryCounter).
// In-process, the count is complete when the handler returns.
func (c *Client) GetCountingQueries(t testing.TB, path string) (Response, int) {
	t.Helper()
	u, err := url.Parse(c.app.URL(path))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, u.String(), nil)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	ctx := db.WithQueryCounter(req.Context())
	rec := httptest.NewRecorder()
	c.app.Server.ServeHTTP(rec, req.WithContext(ctx))
	resp := rec.Result()
	c.HTTP.Jar.SetCookies(u, resp.Cookies())
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{Response: resp, Body: string(b)}, db.QueryCount(ctx)
}

// PostForm posts form values to path as a same-origin browser would.
func (c *Client) PostForm(t testing.TB, path string, form url.Values) Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.app.URL(path), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.app.HTTP.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(t, req)
}

// Do sends req and reads the whole body.
func (c *Client) Do(t testing.TB, req *http.Request) Response {
	t.Helper()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return Response{Response: resp, Body: string(b)}
}

// SeedDemo seeds the demo entity and its four accounts and returns the
// entity's id.
func (a *App) SeedDemo(t testing.TB) int64 {
	t.Helper()
	if _, err := demo.Seed(context.Background(), a.Pool); err != nil {
		t.Fatalf("seed demo: %v", err)
	}
	var id int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT id FROM entities WHERE slug = $1`, demo.EntitySlug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// Login signs a new client in with e-mail and password (no second factor)
// and fails the test unless that lands on a page behind the login.
func (a *App) Login(t testing.TB, email, password string) *Client {
	t.Helper()
	c := a.Client()
	resp := c.PostForm(t, "/login", url.Values{"email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther || strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("login %s: status %d location %q", email, resp.StatusCode, resp.Header.Get("Location"))
	}
	return c
}

// LoginDemo signs in as the demo account with role.
func (a *App) LoginDemo(t testing.TB, role authz.Role) *Client {
	t.Helper()
	for _, acc := range demo.Accounts {
		if acc.Role == role {
			return a.Login(t, acc.Email, demo.Password)
		}
	}
	t.Fatalf("no demo account for role %s", role)
	return nil
}
