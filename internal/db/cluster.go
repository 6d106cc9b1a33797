package db

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
)

// Cluster is a private PostgreSQL cluster in a folder of its own, for
// machines without a running server. It listens on a Unix socket inside that
// folder only (no TCP port), keeps its data between runs, and is stopped when
// the app exits.
type Cluster struct {
	dir     string // absolute; holds data/, run/ and postgres.log
	binDir  string
	runAs   *syscall.Credential // the postgres user when we run as root
	started bool                // whether this process started it (and so stops it)
}

// NewCluster locates initdb and pg_ctl (PATH first, then the newest
// /usr/lib/postgresql/*/bin) for a cluster in dir.
func NewCluster(dir string) (*Cluster, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	binDir, err := findServerBinaries()
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: abs, binDir: binDir}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root; use the unprivileged account the
		// distribution's package created.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs the 'postgres' user to own the private cluster: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.runAs = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return c, nil
}

func findServerBinaries() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		if fileExists(filepath.Join(d, "pg_ctl")) && fileExists(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	return "", ErrNoDatabase
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// SocketDir is where the cluster's Unix socket lives.
func (c *Cluster) SocketDir() string { return filepath.Join(c.dir, "run") }

func (c *Cluster) dataDir() string { return filepath.Join(c.dir, "data") }

// AdminConnString connects as the cluster's superuser postgres.
func (c *Cluster) AdminConnString() string {
	return "host=" + quoteValue(c.SocketDir()) + " user=postgres dbname=postgres sslmode=disable"
}

// Start initialises the cluster on first use and starts it unless it already
// runs (then it is left running on Stop, since another process owns it).
func (c *Cluster) Start(ctx context.Context) error {
	// The parent stays world-traversable: the postgres user must reach its folder.
	if err := os.MkdirAll(filepath.Dir(c.dir), 0o755); err != nil {
		return fmt.Errorf("private PostgreSQL: %w", err)
	}
	for _, d := range []string{c.dir, c.SocketDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("private PostgreSQL: %w", err)
		}
		if err := c.chown(d); err != nil {
			return err
		}
	}
	if !fileExists(filepath.Join(c.dataDir(), "PG_VERSION")) {
		if err := c.run(ctx, "initdb", "-D", c.dataDir(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"); err != nil {
			return fmt.Errorf("private PostgreSQL: initdb: %w", err)
		}
	}
	if ping(ctx, c.AdminConnString()) == nil {
		return nil
	}
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s'", c.SocketDir())
	if err := c.run(ctx, "pg_ctl", "-D", c.dataDir(), "-o", opts, "-l", filepath.Join(c.dir, "postgres.log"), "-w", "-t", "60", "start"); err != nil {
		return fmt.Errorf("private PostgreSQL: start (see %s): %w", filepath.Join(c.dir, "postgres.log"), err)
	}
	c.started = true
	return nil
}

// Stop shuts the cluster down cleanly if this process started it.
func (c *Cluster) Stop() error {
	if !c.started {
		return nil
	}
	c.started = false
	return c.run(context.Background(), "pg_ctl", "-D", c.dataDir(), "-m", "fast", "-w", "stop")
}

// Crash stops the cluster the way a power cut would (pg_ctl stop -m
// immediate: server processes killed, no checkpoint), so the next Start runs
// crash recovery. The database fault drill uses it; the cluster is still
// stopped by Stop once started again.
func (c *Cluster) Crash(ctx context.Context) error {
	return c.run(ctx, "pg_ctl", "-D", c.dataDir(), "-m", "immediate", "-w", "stop")
}

func (c *Cluster) run(ctx context.Context, tool string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, tool), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	// Own process group: a Ctrl-C at the terminal reaches the app, which then
	// stops the cluster in order, instead of reaching postgres directly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.runAs}
	if err := cmd.Run(); err != nil {
		if c.runAs != nil && errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("%s: the postgres user cannot enter %s; make its parent folders world-traversable (chmod o+x) or set DATABASE_URL: %w", tool, c.dir, err)
		}
		return fmt.Errorf("%s: %w: %s", tool, err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

func (c *Cluster) chown(path string) error {
	if c.runAs == nil {
		return nil
	}
	if err := os.Chown(path, int(c.runAs.Uid), int(c.runAs.Gid)); err != nil {
		return fmt.Errorf("private PostgreSQL: give %s to user postgres: %w", path, err)
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return !errors.Is(err, os.ErrNotExist)
}
