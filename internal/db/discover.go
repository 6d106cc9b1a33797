package db

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoDatabase explains the three ways out when no PostgreSQL can be found.
var ErrNoDatabase = errors.New("no PostgreSQL found: set DATABASE_URL, " +
	"install PostgreSQL (its server binaries initdb and pg_ctl let Weerbaar start a private cluster), " +
	"or run `docker compose up`")

// localCandidates are the places a developer's PostgreSQL usually answers as
// user postgres without a password: the Debian socket, then TCP loopback.
var localCandidates = []string{
	"host=/var/run/postgresql user=postgres dbname=postgres sslmode=disable connect_timeout=2",
	"host=/tmp user=postgres dbname=postgres sslmode=disable connect_timeout=2",
	"host=127.0.0.1 port=5432 user=postgres dbname=postgres sslmode=disable connect_timeout=2",
}

// Source says where the database came from, for the start-up log line.
type Source struct {
	// ConnString connects to the application database.
	ConnString string
	// Kind is "env", "local" or "private".
	Kind string
	// Cluster is the private cluster Weerbaar started, to be stopped on exit; nil otherwise.
	Cluster *Cluster
}

// Discover finds the database to use: DATABASE_URL when set; else database
// dbName on a local PostgreSQL (created when missing); else a private cluster
// under dataDir/postgres started from the installed server binaries; else
// ErrNoDatabase.
func Discover(ctx context.Context, databaseURL, dataDir, dbName string) (Source, error) {
	if databaseURL != "" {
		return Source{ConnString: databaseURL, Kind: "env"}, nil
	}
	if admin, ok := FindLocalServer(ctx); ok {
		conn, err := EnsureDatabase(ctx, admin, dbName)
		return Source{ConnString: conn, Kind: "local"}, err
	}
	cluster, err := NewCluster(dataDir + "/postgres")
	if err != nil {
		return Source{}, err
	}
	if err := cluster.Start(ctx); err != nil {
		return Source{}, err
	}
	conn, err := EnsureDatabase(ctx, cluster.AdminConnString(), dbName)
	if err != nil {
		_ = cluster.Stop()
		return Source{}, err
	}
	return Source{ConnString: conn, Kind: "private", Cluster: cluster}, nil
}

// FindLocalServer returns the admin connection string of the first local
// PostgreSQL that accepts user postgres.
func FindLocalServer(ctx context.Context) (string, bool) {
	for _, cand := range localCandidates {
		if ping(ctx, cand) == nil {
			return cand, true
		}
	}
	return "", false
}

// EnsureDatabase creates dbName on the server behind adminConn when missing
// and returns a connection string for it.
func EnsureDatabase(ctx context.Context, adminConn, dbName string) (string, error) {
	cfg, err := pgx.ParseConfig(adminConn)
	if err != nil {
		return "", fmt.Errorf("parse admin connection: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", dbName).Scan(&exists); err != nil {
		return "", fmt.Errorf("look up database %s: %w", dbName, err)
	}
	if !exists {
		_, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{dbName}.Sanitize())
		if err != nil && !errors.Is(MapError(err), ErrConflict) {
			return "", fmt.Errorf("create database %s: %w", dbName, err)
		}
	}
	return WithDatabase(adminConn, dbName), nil
}

// WithDatabase returns connString pointed at another database.
// It accepts both URL and keyword/value forms.
func WithDatabase(connString, dbName string) string {
	if u, err := url.Parse(connString); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + dbName
		return u.String()
	}
	return connString + " dbname=" + quoteValue(dbName)
}

func quoteValue(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

func ping(ctx context.Context, connString string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return conn.Ping(ctx)
}
