// Package backup writes and restores a whole Weerbaar database as one
// versioned ZIP archive: every table of the application schema as PostgreSQL
// COPY text (evidence files are bytea in evidence_versions, so they travel
// with their rows), the large objects (report packages) as files, a
// backup.json header and a manifest.json with every file's size and SHA-256.
// Backup reads one REPEATABLE READ, READ ONLY transaction, so the archive is
// one consistent snapshot; restore checks every hash before it writes
// anything and then loads everything in one transaction. Both stream, so
// memory stays flat however much evidence there is. docs/backup.md describes
// the format for people.
package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/migrations"
)

// FormatVersion is the archive layout this build writes and the newest it
// restores. Raise it when the layout changes in a way an older restore would
// misread.
const FormatVersion = 1

// FormatName tells a Weerbaar backup from any other ZIP with a backup.json.
const FormatName = "weerbaar-backup"

// Names inside the archive.
const (
	HeaderFile   = "backup.json"
	ManifestFile = "manifest.json"
	tablesDir    = "tables/"
	objectsDir   = "large-objects/"
)

// skippedTables are not backed up: golang-migrate's own bookkeeping (restore
// migrates the target itself) and the login sessions, which would sign
// people back in on a restored server and expire within hours anyway.
var skippedTables = []string{"schema_migrations", "sessions"}

// Header is backup.json: what made the archive and how to load it.
type Header struct {
	Format        string    `json:"format"`
	FormatVersion int       `json:"format_version"`
	SchemaVersion uint      `json:"schema_version"`
	CreatedAt     time.Time `json:"created_at"`
	Generator     string    `json:"generator"`
	Postgres      string    `json:"postgres_version"`
	// Tables in load order: a table comes after every table it references.
	Tables       []Table       `json:"tables"`
	LargeObjects []LargeObject `json:"large_objects"`
	Sequences    []Sequence    `json:"sequences"`
	Skipped      []string      `json:"skipped_tables"`
}

// Table is one table's COPY file (text format, the columns in this order).
type Table struct {
	Name    string   `json:"name"`
	File    string   `json:"file"`
	Columns []string `json:"columns"`
}

// LargeObject is one large object, restored with its original oid so
// report_packages.content_oid stays valid.
type LargeObject struct {
	OID  uint32 `json:"oid"`
	File string `json:"file"`
}

// Sequence is an identity or serial column's sequence at backup time.
// Restore sets it to the larger of this value and the column's maximum.
type Sequence struct {
	Name      string `json:"name"`
	Table     string `json:"table"`
	Column    string `json:"column"`
	LastValue int64  `json:"last_value"`
	IsCalled  bool   `json:"is_called"`
}

// Manifest is manifest.json: every other file with its size and SHA-256
// (hex) of its uncompressed bytes, and the row count of table files.
type Manifest struct {
	FormatVersion int         `json:"format_version"`
	Files         []FileEntry `json:"files"`
}

// FileEntry is one entry of the manifest.
type FileEntry struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Rows   *int64 `json:"rows,omitempty"`
}

// Errors restore returns before writing anything; the message names the
// version or file.
var (
	ErrNewerFormat   = errors.New("backup format is newer than this program")
	ErrNewerSchema   = errors.New("backup schema version is newer than this program's migrations")
	ErrNotABackup    = errors.New("not a Weerbaar backup")
	ErrMismatch      = errors.New("backup file does not match its manifest")
	ErrNotEmpty      = errors.New("target database is not empty")
	ErrSchemaTooNew  = errors.New("target database schema is newer than the backup's")
	ErrDirtyDatabase = errors.New("a migration failed halfway")
)

// LatestSchemaVersion is the newest migration this binary carries.
func LatestSchemaVersion() (uint, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return 0, err
	}
	var latest uint
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".up.sql") {
			continue
		}
		v, err := strconv.ParseUint(prefix, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("migration %s: %w", e.Name(), err)
		}
		latest = max(latest, uint(v))
	}
	return latest, nil
}
