package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/dbtest"
)

// TestReadyzFollowsTheDatabase points the app's pool at a TCP proxy in front
// of the test database, takes the proxy down (503) and brings it back on the
// same port (200 again, without restarting the app).
func TestReadyzFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	_, conn := dbtest.NewWithConnString(t)
	cfg, err := pgxpool.ParseConfig(conn)
	if err != nil {
		t.Fatal(err)
	}
	upstream := net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port)))
	network := "tcp"
	if len(cfg.ConnConfig.Host) > 0 && cfg.ConnConfig.Host[0] == '/' {
		network, upstream = "unix", cfg.ConnConfig.Host+"/.s.PGSQL."+strconv.Itoa(int(cfg.ConnConfig.Port))
	}
	proxy := startProxy(t, "127.0.0.1:0", network, upstream)
	addr := proxy.addr
	cfg.ConnConfig.Host, cfg.ConnConfig.Port = "127.0.0.1", uint16(proxy.port())
	cfg.ConnConfig.ConnectTimeout = time.Second
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)

	a := apptest.StartWithPool(t, pool, apptest.Options{})
	c := a.Client()
	if r := c.Get(t, "/readyz"); r.StatusCode != http.StatusOK {
		t.Fatalf("ready with database: %d", r.StatusCode)
	}
	proxy.stop()
	r := c.Get(t, "/readyz")
	if r.StatusCode != http.StatusServiceUnavailable || r.Body != "not ready\n" {
		t.Fatalf("database down: %d %q", r.StatusCode, r.Body)
	}
	if h := c.Get(t, "/healthz"); h.StatusCode != http.StatusOK {
		t.Fatalf("healthz depends on the database: %d", h.StatusCode)
	}
	proxy = startProxy(t, addr, network, upstream)
	defer proxy.stop()
	if r := c.Get(t, "/readyz"); r.StatusCode != http.StatusOK {
		t.Fatalf("database back: %d %q", r.StatusCode, r.Body)
	}
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
