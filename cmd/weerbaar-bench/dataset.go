package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
)

// benchDatabase returns a connection string for the dedicated database
// name: on DATABASE_URL's server when set, else on the server `make run`
// would find (a local PostgreSQL, or a private cluster under
// WEERBAAR_DATA_DIR, stopped again by the returned func). The database is
// created when missing.
func benchDatabase(ctx context.Context, name string) (string, func(), error) {
	if url := os.Getenv("DATABASE_URL"); url != "" {
		conn, err := db.EnsureDatabase(ctx, url, name)
		return conn, func() {}, err
	}
	dataDir := os.Getenv("WEERBAAR_DATA_DIR")
	if dataDir == "" {
		dataDir = "./var"
	}
	src, err := db.Discover(ctx, "", dataDir, name)
	if err != nil {
		return "", nil, err
	}
	stop := func() {
		if src.Cluster != nil {
			_ = src.Cluster.Stop()
		}
	}
	return src.ConnString, stop, nil
}

// dataset is what `weerbaar seed-large --json` prints.
type dataset struct {
	Created  bool    `json:"created"`
	Password string  `json:"password"`
	Seconds  float64 `json:"seconds"`
	Entities []struct {
		ID         int64          `json:"id"`
		Slug       string         `json:"slug"`
		Name       string         `json:"name"`
		AnalysisID int64          `json:"analysis_id"`
		Counts     map[string]int `json:"counts"`
		Accounts   []struct {
			Role  string `json:"role"`
			Email string `json:"email"`
		} `json:"accounts"`
	} `json:"entities"`
}

// The roles the bench signs in as.
const (
	officer = string(authz.SecurityOfficer)
	auditor = string(authz.Auditor)
	board   = string(authz.BoardMember)
)

// seedLarge runs `server seed-large --json` against the database: it builds
// the dataset when absent and otherwise only reads its ids and accounts.
func seedLarge(ctx context.Context, binary, dbConn string) (dataset, error) {
	var d dataset
	fmt.Fprintln(os.Stderr, "weerbaar seed-large: reusing the large dataset, or building it (about a minute)…")
	cmd := exec.CommandContext(ctx, binary, "seed-large", "--json")
	cmd.Env = serverEnv(map[string]string{"DATABASE_URL": dbConn, "WEERBAAR_LOG_LEVEL": "warn"})
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return d, fmt.Errorf("seed-large: %w", err)
	}
	if err := json.Unmarshal(out.Bytes(), &d); err != nil {
		return d, fmt.Errorf("seed-large output: %w", err)
	}
	if len(d.Entities) == 0 || d.Entities[0].AnalysisID == 0 {
		return d, fmt.Errorf("seed-large: no large entity with a risk analysis")
	}
	if d.Created {
		fmt.Fprintf(os.Stderr, "large dataset built in %.1fs\n", time.Since(start).Seconds())
	}
	return d, nil
}

func (d dataset) largest() (id, analysis int64) { return d.Entities[0].ID, d.Entities[0].AnalysisID }

// account is the e-mail of the largest entity's account with role.
func (d dataset) account(role string) string {
	for _, a := range d.Entities[0].Accounts {
		if a.Role == role {
			return a.Email
		}
	}
	return ""
}

func (d dataset) describe() string {
	e := d.Entities[0]
	c := e.Counts
	return fmt.Sprintf("`weerbaar seed-large` (%d entities) in its own database; the pages are those of the largest, %s (`%s`): "+
		"%d crown jewels, %d suppliers, %d risk scenarios, %d evidence items, %d incidents, %d approval requests, %d audit rows.",
		len(d.Entities), e.Name, e.Slug, c["jewels"], c["suppliers"], c["scenarios"], c["evidence"], c["incidents"], c["approvals"], c["audit_rows"])
}

// facts are the ids of the largest entity's records the page paths need.
type facts struct {
	incidentID, supplierID int64
}

// lookUp reads them from the database.
func lookUp(ctx context.Context, dbConn string, d dataset) (facts, error) {
	var f facts
	conn, err := pgx.Connect(ctx, dbConn)
	if err != nil {
		return f, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	id, analysis := d.largest()
	err = conn.QueryRow(ctx, `SELECT
		(SELECT min(id) FROM incidents WHERE entity_id = $1),
		(SELECT min(id) FROM risk_suppliers WHERE entity_id = $1 AND analysis_id = $2)`, id, analysis).Scan(&f.incidentID, &f.supplierID)
	if err != nil {
		return f, fmt.Errorf("look up the largest entity's incident and supplier: %w", err)
	}
	return f, nil
}
