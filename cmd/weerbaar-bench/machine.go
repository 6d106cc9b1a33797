package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/loadgen"
	"github.com/weerbaar/weerbaar/internal/secretkey"
)

// machine describes the CPU, memory, Go and PostgreSQL of the run; what
// cannot be read is "unknown".
func machine(ctx context.Context, dbConn string) loadgen.Machine {
	m := loadgen.Machine{CPU: "unknown CPU", Cores: runtime.NumCPU(), Go: runtime.Version(), PostgreSQL: "unknown"}
	if v := procField("/proc/cpuinfo", "model name", ":"); v != "" {
		m.CPU = v
	}
	if v := procField("/proc/meminfo", "MemTotal", ":"); v != "" {
		if kb, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64); err == nil {
			m.MemoryGiB = kb / (1 << 20)
		}
	}
	if conn, err := pgx.Connect(ctx, dbConn); err == nil {
		defer conn.Close(context.WithoutCancel(ctx))
		var v string
		if conn.QueryRow(ctx, `SHOW server_version`).Scan(&v) == nil {
			m.PostgreSQL = v
		}
	}
	return m
}

// procField is the value of the first "key<sep> value" line of a /proc file.
func procField(path, key, sep string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), sep)
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// loadAverage is /proc/loadavg's 1, 5 and 15 minute load.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], ", ")
}

// commit is the short hash of HEAD and whether the tree has changes other
// than the report itself (which every run rewrites).
func commit(ctx context.Context, report string) (string, bool) {
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown", false
	}
	hash := strings.TrimSpace(string(out))
	status, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)"+report).Output()
	return hash, err != nil || len(strings.TrimSpace(string(status))) > 0
}

// secretKey is a fresh key for the server: the dataset's accounts have no
// second factor, so no stored secret needs the instance's own key.
func secretKey() (string, error) { return secretkey.Generate() }
