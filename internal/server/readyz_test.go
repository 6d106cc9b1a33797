package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/app"
	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// TestReadyzFollowsTheDatabase points the app's pool at a TCP proxy in front
// of the test database, takes the proxy down (503) and brings it back on the
// same port (200 again, without restarting the app).
func TestReadyzFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	a, db := startBehindProxy(t)
	c := a.Client()
	if r := c.Get(t, "/readyz"); r.StatusCode != http.StatusOK {
		t.Fatalf("ready with database: %d", r.StatusCode)
	}
	db.down()
	r := c.Get(t, "/readyz")
	if r.StatusCode != http.StatusServiceUnavailable || r.Body != "not ready\n" {
		t.Fatalf("database down: %d %q", r.StatusCode, r.Body)
	}
	if h := c.Get(t, "/healthz"); h.StatusCode != http.StatusOK {
		t.Fatalf("healthz depends on the database: %d", h.StatusCode)
	}
	db.up()
	if r := c.Get(t, "/readyz"); r.StatusCode != http.StatusOK {
		t.Fatalf("database back: %d %q", r.StatusCode, r.Body)
	}
}

// TestDatabaseOutagePage: while the database is away a page answers 503 with
// Retry-After and the "try again" page (a link to try again, never the
// generic 500 page), a form post says its change was not saved, in the
// reader's language; once the database is back the same page is served.
func TestDatabaseOutagePage(t *testing.T) {
	t.Parallel()
	a, db := startBehindProxy(t)
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	nl := a.LoginDemo(t, authz.SecurityOfficer)
	en := a.LoginDemo(t, authz.SecurityOfficer)
	if r := en.PostForm(t, "/lang", url.Values{"lang": {"en"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch to English: %d", r.StatusCode)
	}
	db.down()
	for _, tc := range []struct {
		c    *apptest.Client
		lang i18n.Lang
	}{{nl, i18n.NL}, {en, i18n.EN}} {
		page := tc.c.Get(t, base+"/measures")
		if page.StatusCode != http.StatusServiceUnavailable || page.Header.Get("Retry-After") == "" ||
			!strings.Contains(page.Body, apptest.HTML(t, tc.lang, "error.503.body")) ||
			!strings.Contains(page.Body, `href="`+base+`/measures"`) ||
			strings.Contains(page.Body, apptest.HTML(t, tc.lang, "error.500.title")) {
			t.Errorf("%s: page during the outage: %d Retry-After %q\n%s", tc.lang, page.StatusCode, page.Header.Get("Retry-After"), page.Body)
		}
		post := tc.c.PostForm(t, base+"/requirements/5.1", url.Values{"version": {"0"}, "applicable": {"true"}, "notes": {"x"}})
		if post.StatusCode != http.StatusServiceUnavailable || post.Header.Get("Retry-After") == "" ||
			!strings.Contains(post.Body, apptest.HTML(t, tc.lang, "error.503.not_saved")) {
			t.Errorf("%s: form post during the outage: %d\n%s", tc.lang, post.StatusCode, post.Body)
		}
	}
	if r := a.Client().PostForm(t, "/login", url.Values{"email": {"x@example.org"}, "password": {"y"}}); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("login during the outage: %d", r.StatusCode)
	}
	db.up()
	// The pool may hand out a connection that died with the proxy once.
	var page apptest.Response
	for range 5 {
		if page = nl.Get(t, base+"/measures"); page.StatusCode == http.StatusOK {
			break
		}
	}
	if page.StatusCode != http.StatusOK {
		t.Errorf("database back: %d", page.StatusCode)
	}
}

// failingSessions is the app's session store with a switch to make loading
// or saving a session fail the way a lost database connection does.
type failingSessions struct {
	*app.SessionStore
	failFind, failCommit atomic.Bool
}

var connectionLost = &net.OpError{Op: "read", Net: "tcp", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}

func (f *failingSessions) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	if f.failFind.Load() {
		return nil, false, connectionLost
	}
	return f.SessionStore.FindCtx(ctx, token)
}

func (f *failingSessions) CommitCtx(ctx context.Context, token string, b []byte, deadline time.Time) error {
	if f.failCommit.Load() {
		return connectionLost
	}
	return f.SessionStore.CommitCtx(ctx, token, b, deadline)
}

// TestSessionLostWithTheDatabase: a session that cannot be saved after a
// form post committed its change answers the 503 page saying the change may
// have been saved (it was), as one page without the redirect; a session that
// cannot be loaded answers the 503 page with a link to try again.
func TestSessionLostWithTheDatabase(t *testing.T) {
	t.Parallel()
	store := &failingSessions{}
	a, id := startWithDemo(t, apptest.Options{Sessions: func(sm *scs.SessionManager) {
		store.SessionStore = sm.Store.(*app.SessionStore)
		sm.Store = store
	}})
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)
	v := requirementVersion(t, a, id, "5.1")

	store.failCommit.Store(true)
	r := off.PostForm(t, base+"/requirements/5.1", requirementForm(v, "implemented", "3"))
	if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.Body, apptest.HTML(t, i18n.NL, "error.503.unknown")) ||
		strings.Count(strings.ToLower(r.Body), "<!doctype html>") != 1 || r.Header.Get("Location") != "" || r.Header.Get("Retry-After") == "" {
		t.Errorf("session not saved after the change: %d Location %q\n%s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	if got := requirementVersion(t, a, id, "5.1"); got != v+1 {
		t.Errorf("the change was committed before the session failed: version %d, want %d", got, v+1)
	}

	store.failCommit.Store(false)
	store.failFind.Store(true)
	page := off.Get(t, base+"/measures")
	if page.StatusCode != http.StatusServiceUnavailable || !strings.Contains(page.Body, apptest.HTML(t, i18n.NL, "error.503.body")) ||
		!strings.Contains(page.Body, `href="`+base+`/measures"`) {
		t.Errorf("session not loaded: %d\n%s", page.StatusCode, page.Body)
	}
	store.failFind.Store(false)
	if page := off.Get(t, base+"/measures"); page.StatusCode != http.StatusOK {
		t.Errorf("session store back: %d", page.StatusCode)
	}
}

// proxiedDB is a TCP proxy in front of the test database that a test can
// take down (every connection cut, as a database crash would) and bring up
// again on the same port.
type proxiedDB struct {
	t                       *testing.T
	proxy                   *tcpProxy
	addr, network, upstream string
}

func (p *proxiedDB) down() { p.proxy.stop() }

func (p *proxiedDB) up() {
	p.proxy = startProxy(p.t, p.addr, p.network, p.upstream)
	p.t.Cleanup(p.proxy.stop)
}

// startBehindProxy runs the app with its pool connected through a proxiedDB.
func startBehindProxy(t *testing.T) (*apptest.App, *proxiedDB) {
	t.Helper()
	_, conn := dbtest.NewWithConnString(t)
	cfg, err := pgxpool.ParseConfig(conn)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxiedDB{t: t, network: "tcp", upstream: net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port)))}
	if len(cfg.ConnConfig.Host) > 0 && cfg.ConnConfig.Host[0] == '/' {
		p.network, p.upstream = "unix", cfg.ConnConfig.Host+"/.s.PGSQL."+strconv.Itoa(int(cfg.ConnConfig.Port))
	}
	p.proxy = startProxy(t, "127.0.0.1:0", p.network, p.upstream)
	p.addr = p.proxy.addr
	cfg.ConnConfig.Host, cfg.ConnConfig.Port = "127.0.0.1", uint16(p.proxy.port())
	cfg.ConnConfig.ConnectTimeout = time.Second
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return apptest.StartWithPool(t, pool, apptest.Options{}), p
}

type tcpProxy struct {
	ln    net.Listener
	addr  string
	mu    sync.Mutex
	conns []net.Conn
	done  chan struct{}
}

func startProxy(t *testing.T, listen, network, upstream string) *tcpProxy {
	t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger briefly after a stop
		if ln, err = net.Listen("tcp", listen); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p := &tcpProxy{ln: ln, addr: ln.Addr().String(), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial(network, upstream)
			if err != nil {
				client.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, client, server)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(server, client); server.Close() }()
			go func() { _, _ = io.Copy(client, server); client.Close() }()
		}
	}()
	return p
}

func (p *tcpProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// stop closes the listener and cuts every connection, as a database crash would.
func (p *tcpProxy) stop() {
	p.ln.Close()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
