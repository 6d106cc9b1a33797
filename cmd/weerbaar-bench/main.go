// Command weerbaar-bench is `make bench`: the load benchmark of the real
// server on the large dataset (issue 15). It finds or creates the dedicated
// database weerbaar_bench, fills it with `weerbaar seed-large` when empty,
// starts the built server binary on a loopback port against it, signs in
// through the login form as the largest entity's officer, auditor and board
// member, counts each page's SQL queries once (from the server's own access
// log, the counter TestQueryBudget checks), drives every page and the two
// baselines /healthz and /readyz at 1, 8 and 32 keep-alive connections,
// and writes the table into the generated section of docs/performance.md.
//
// It is a program of its own, not a `weerbaar` command, so the load
// generator never ships in the server binary, and it measures that binary
// as a separate process, exactly as deployed (plain HTTP on loopback, so
// TLS does not blur the comparison with the baselines).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/weerbaar/weerbaar/internal/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "weerbaar-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	server, out, database string
	conns                 []int
	warmup, duration      time.Duration
	maxP50                time.Duration
	only                  *regexp.Regexp
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("weerbaar-bench", flag.ContinueOnError)
	fs.StringVar(&o.server, "server", "bin/weerbaar", "the server binary to measure (`make build` makes it)")
	fs.StringVar(&o.out, "out", "docs/performance.md", "the document whose generated section gets the table")
	fs.StringVar(&o.database, "database", "weerbaar_bench", "the database holding the large dataset (created and seeded when missing), on DATABASE_URL's server or a discovered local one")
	conns := fs.String("conns", "1,8,32", "the concurrent connections of each run, comma-separated")
	fs.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "warm-up of each run (not counted)")
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "measured time of each run")
	fs.DurationVar(&o.maxP50, "max-p50", 10*time.Second, "a page is not run at the next concurrency when its p50 scaled to it (p50 × next/current connections) exceeds this")
	only := fs.String("pages", "", "measure only the pages whose name or path matches this regular expression (the two baselines always run); the report is then partial")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			return o, fmt.Errorf("-pages: %w", err)
		}
		o.only = re
	}
	for _, f := range strings.Split(*conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1024 {
			return o, fmt.Errorf("-conns: %q is not a number of connections", f)
		}
		o.conns = append(o.conns, n)
	}
	if o.duration <= 0 || o.warmup < 0 {
		return o, errors.New("-duration must be positive and -warmup not negative")
	}
	return o, nil
}

func run(ctx context.Context, args []string) error {
	started := time.Now()
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	if _, err := os.Stat(o.server); err != nil {
		return fmt.Errorf("server binary: %w (run `make build` first)", err)
	}
	loadBefore := loadAverage()

	dbConn, closeDB, err := benchDatabase(ctx, o.database)
	if err != nil {
		return err
	}
	defer closeDB()
	data, err := seedLarge(ctx, o.server, dbConn)
	if err != nil {
		return err
	}
	facts, err := lookUp(ctx, dbConn, data)
	if err != nil {
		return err
	}

	srv, err := startServer(ctx, o.server, dbConn)
	if err != nil {
		return err
	}
	defer srv.stop()
	sessions := map[string]http.Header{}
	for _, role := range []string{officer, auditor, board} {
		email := data.account(role)
		h, err := signIn(ctx, srv.base, email, data.Password)
		if err != nil {
			return fmt.Errorf("sign in as %s: %w", email, err)
		}
		sessions[role] = h
	}

	id, analysis := data.largest()
	pages := selectPages(benchPages(id, analysis, facts), o.only)
	if err := resolveAuditLastPage(ctx, srv.base, sessions[auditor], &pages); err != nil {
		return err
	}
	rows := make([]loadgen.Row, len(pages))
	for i, p := range pages {
		rows[i] = loadgen.Row{Page: p.name, Path: p.path, Role: p.roleLabel(), Baseline: p.baseline, OneConnTarget: p.oneConnTarget}
		rows[i].Status, rows[i].Queries = srv.countQueries(ctx, p.path, sessions[p.role])
	}
	for i, p := range pages {
		if rows[i].Status != http.StatusOK {
			fmt.Fprintf(os.Stderr, "%-44s status %d: not timed\n", p.name, rows[i].Status)
			continue
		}
		for k, c := range o.conns {
			if rows[i].NotRunWhy != "" {
				rows[i].NotRun = append(rows[i].NotRun, c)
				continue
			}
			s := loadgen.Run(ctx, loadgen.Target{URL: srv.base + p.path, Header: sessions[p.role]}, c, o.warmup, o.duration)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			rows[i].Runs = append(rows[i].Runs, s)
			if k+1 < len(o.conns) {
				rows[i].NotRunWhy = tooSlow(s, o.conns[k+1], o.maxP50)
			}
			fmt.Fprintf(os.Stderr, "%-44s %3d conns %8.0f req/s  p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms  errors %d\n",
				p.name, c, s.PerSecond, msf(s.P50), msf(s.P95), msf(s.P99), s.Errors)
		}
	}
	srv.stop()

	rep := loadgen.Report{
		Date: started, Conns: o.conns, Warmup: o.warmup, Duration: o.duration, Baseline: readyzPage, Rows: rows,
		Machine: machine(ctx, dbConn), Dataset: data.describe(),
		Notes: []string{
			"The server is the built binary (`bin/weerbaar serve`), its access log on (info) as in production, on plain HTTP over loopback; " +
				"the load generator runs on the same machine and shares its cores, so the numbers are a lower bound of what a separate client would see.",
			"The audit log is read as the auditor: the security officer has no audit-read permission. The board's screen is read as the board member; every other page as the security officer.",
			"SQL queries: the statements of one request to the page, as the server's access log counts them (the counter `TestQueryBudget` checks, budget 8). " +
				"`/readyz`'s ping is a round trip the counter does not see, so it shows 0.",
			"The risk analysis page holds the heat maps and the first 20 crown jewels and suppliers with the register's summary; " +
				"the whole lists page by keyset (50 a page) and are measured beside it, as is one supplier's page.",
		},
	}
	rep.ReadyAfter = srv.readyAfter
	rep.Machine.LoadBefore = loadBefore
	rep.Machine.LoadAfter = loadAverage()
	rep.Commit, rep.Dirty = commit(ctx, o.out)
	rep.Elapsed = time.Since(started)
	if err := writeReport(o.out, rep); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (run took %s)\n", o.out, rep.Elapsed.Round(time.Second))
	return nil
}

// tooSlow says why a page is not run at next connections after run s, or
// "" to run it. A closed loop's latency grows with the connections once the
// server is saturated, so a page that would answer in minutes is left out:
// it would add nothing but time, and the run must stay under ten minutes.
func tooSlow(s loadgen.Stats, next int, maxP50 time.Duration) string {
	conns := "connections"
	if s.Conns == 1 {
		conns = "connection"
	}
	switch {
	case s.Requests == 0:
		return fmt.Sprintf("no answer 200 at %d %s (%s)", s.Conns, conns, s.FirstErr)
	case time.Duration(float64(s.P50)*float64(next)/float64(s.Conns)) > maxP50:
		return fmt.Sprintf("p50 %.2f s at %d %s", s.P50.Seconds(), s.Conns, conns)
	}
	return ""
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// writeReport replaces the generated section of the document at path (made
// when missing, with a heading).
func writeReport(path string, rep loadgen.Report) error {
	doc, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		doc, err = []byte("# Performance\n"), nil
	}
	if err != nil {
		return err
	}
	out, err := loadgen.ReplaceSection(string(doc), rep.Markdown())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

// server is the running server process.
type server struct {
	cmd      *exec.Cmd
	base     string
	counting atomic.Bool
	counted  atomic.Int64 // requests countQueries sent, for their ids
	requests chan accessLine
	done     chan struct{}
	stopOnce sync.Once
	tail     *tailBuffer
	// readyAfter is the time from starting the process to its first
	// /readyz 200 (issue 15's target: under a second).
	readyAfter time.Duration
}

// accessLine is the part of the server's access log line the bench reads.
type accessLine struct {
	Msg     string `json:"msg"`
	Route   string `json:"route"`
	Status  int    `json:"status"`
	Queries *int   `json:"queries"`
	// RequestID is the X-Request-Id the bench sent (chi's RequestID keeps
	// it), so a late log line of an earlier request is never taken for
	// this one's.
	RequestID string `json:"request_id"`
}

// startServer runs `server serve` on a free loopback port against the
// database and waits until /readyz answers 200.
func startServer(ctx context.Context, binary, dbConn string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	key, err := secretKey()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary, "serve")
	cmd.Env = serverEnv(map[string]string{
		"DATABASE_URL": dbConn, "WEERBAAR_ADDR": addr, "WEERBAAR_BASE_URL": "http://" + addr,
		"WEERBAAR_SECRET_KEY": key, "WEERBAAR_SECRET_KEY_FILE": "", "WEERBAAR_LOG_LEVEL": "info",
		"WEERBAAR_SMTP_ADDR": "", "WEERBAAR_TRUSTED_PROXIES": "", "WEERBAAR_AUTO_MIGRATE": "true",
	})
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, requests: make(chan accessLine, 64), done: make(chan struct{}), tail: &tailBuffer{}}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	go s.readLog(stderr)
	go func() { _ = cmd.Wait(); close(s.done) }()
	fmt.Fprintf(os.Stderr, "server %s started on %s; waiting for /readyz\n", binary, addr)
	deadline := time.Now().Add(2 * time.Minute) // it applies pending migrations first
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return nil, fmt.Errorf("the server exited during start:\n%s", s.tail.String())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if resp, err := http.Get(s.base + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.readyAfter = time.Since(started)
				fmt.Fprintf(os.Stderr, "ready after %s\n", s.readyAfter.Round(time.Millisecond))
				return s, nil
			}
		}
	}
	s.stop()
	return nil, fmt.Errorf("the server was not ready within two minutes:\n%s", s.tail.String())
}

// readLog reads the server's JSON log: while counting, its request lines go
// to s.requests; the last lines are kept to explain a failed start.
func (s *server) readLog(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		s.tail.add(string(line))
		if !s.counting.Load() {
			continue
		}
		var l accessLine
		if json.Unmarshal(line, &l) == nil && l.Msg == "request" {
			select {
			case s.requests <- l:
			default:
			}
		}
	}
}

// countQueries sends one request to path and returns its status and the SQL
// query count of the server's access log line for it (-1 when none came).
// The request carries its own X-Request-Id, and the line with that id is
// this one's.
func (s *server) countQueries(ctx context.Context, path string, session http.Header) (int, int) {
	s.counting.Store(true)
	defer s.counting.Store(false)
	for len(s.requests) > 0 { // lines of earlier requests
		<-s.requests
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return 0, -1
	}
	req.Header = session.Clone()
	if req.Header == nil { // the baselines need no session
		req.Header = http.Header{}
	}
	id := fmt.Sprintf("weerbaar-bench-%d", s.counted.Add(1))
	req.Header.Set("X-Request-Id", id)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return 0, -1
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case l := <-s.requests:
			if l.RequestID == id && l.Queries != nil {
				return resp.StatusCode, *l.Queries
			}
		case <-timeout:
			return resp.StatusCode, -1
		}
	}
}

// stop ends the server with SIGTERM (a graceful drain) and waits.
func (s *server) stop() {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
}

// tailBuffer keeps the last lines of the server's log.
type tailBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (t *tailBuffer) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > 20 {
		t.lines = t.lines[len(t.lines)-20:]
	}
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}

// serverEnv is this process's environment with overrides.
func serverEnv(over map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := over[k]; !ok {
			env = append(env, kv)
		}
	}
	for k, v := range over {
		env = append(env, k+"="+v)
	}
	return env
}

// freeAddr is a loopback address with a port nobody listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
