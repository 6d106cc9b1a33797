package report

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// File names in the package (see docs/package.md).
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
	DataName      = "data.json"
	XLSXName      = "weerbaar.xlsx"
	AuditName     = "audit-log.jsonl"
	// FormatVersion names the package layout; a verifier refuses others.
	FormatVersion = "weerbaar-package/1"
	// DataSchema names data.json's schema, docs/package-schema.json.
	DataSchema = "weerbaar-package-data/1"
)

// Manifest lists every file of the package with its size and SHA-256; its
// exact bytes (manifest.json) are what manifest.sig signs.
type Manifest struct {
	Format     string         `json:"format"`
	Generator  string         `json:"generator"`
	CreatedAt  time.Time      `json:"created_at"`
	EntityID   int64          `json:"entity_id"`
	EntityName string         `json:"entity_name"`
	Period     Period         `json:"period"`
	Lang       i18n.Lang      `json:"lang"`
	AuditChain ChainHead      `json:"audit_chain"`
	Files      []ManifestFile `json:"files"`
	// SHA256 is the hex SHA-256 of manifest.json as written (not in it):
	// the export page lists packages by it.
	SHA256 string `json:"-"`
}

// ChainHead is the entity's audit chain as exported in audit-log.jsonl.
type ChainHead struct {
	Rows   int    `json:"rows"`
	Seq    int64  `json:"head_seq"`
	Hash   string `json:"head_hash"`
	Intact bool   `json:"intact"`
	Broken string `json:"broken,omitempty"`
}

// ManifestFile is one file of the package.
type ManifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Signature is manifest.sig: an Ed25519 signature over the exact bytes of
// manifest.json and the public key that made it, both base64 (standard).
type Signature struct {
	Algorithm string `json:"algorithm"` // "ed25519"
	PublicKey string `json:"public_key"`
	Signature string `json:"signature"`
}

// Options say what to build.
type Options struct {
	EntityID int64
	Period   Period
	Lang     i18n.Lang
	Now      time.Time
	Key      ed25519.PrivateKey
	// Progress, when set, is called after each file with the files done and
	// the total (the export page shows it).
	Progress func(done, total int)
	// WithoutFiles leaves the evidence files out: the register still lists
	// every file version with its size and SHA-256 (so files handed over
	// separately can be matched), with an empty path. For a quick package
	// of a large entity, whose files make up most of its size.
	WithoutFiles bool
}

// Beginner starts the read-only transaction a build reads in (a pgxpool.Pool).
type Beginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// PublicKeyString is the base64 form of the public key of priv that
// manifests carry and `weerbaar export-key` prints.
func PublicKeyString(priv ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))
}

// ErrPublicKey is a public key that is not the base64 of an Ed25519 key.
var ErrPublicKey = errors.New("not a base64 Ed25519 public key (32 bytes)")

// ParsePublicKey reads a public key as PublicKeyString writes it (spaces
// and line breaks around it ignored): the one parser of keys an auditor
// pastes, on the command line and on the verification page.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, ErrPublicKey
	}
	return ed25519.PublicKey(k), nil
}

// Build writes the package of opts.EntityID as a ZIP to w, streaming: every
// file goes through a SHA-256 and a byte counter on its way into the ZIP,
// evidence comes from the database one file at a time, and manifest.json
// and manifest.sig come last. Everything is read in one read-only repeatable
// read transaction, so the tables, files and audit chain are one snapshot.
func Build(ctx context.Context, db Beginner, w io.Writer, opts Options) (*Manifest, error) {
	if len(opts.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("report: no signing key")
	}
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("report: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	d, err := Collect(ctx, tx, opts.EntityID, opts.Period, opts.Lang, opts.Now)
	if err != nil {
		return nil, err
	}
	if opts.WithoutFiles {
		for i := range d.Evidence {
			d.Evidence[i].Path = ""
		}
	}
	tables := Tables(d)
	files := 0
	for _, e := range d.Evidence {
		if e.Path != "" {
			files++
		}
	}
	total := 2 + len(tables) + 1 + files + 1 + 2
	zw := zip.NewWriter(w)
	// Deflate at its fastest level: the audit log's JSONL of a large entity
	// is most of the work of a package (about four times faster than the
	// default level, for a package a few percent larger).
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	b := &builder{zw: zw, progress: opts.Progress, total: total, created: d.Meta.GeneratedAt}
	m := &Manifest{Format: FormatVersion, Generator: d.Meta.Generator, CreatedAt: d.Meta.GeneratedAt, EntityID: d.Meta.EntityID,
		EntityName: d.Meta.EntityName, Period: opts.Period, Lang: opts.Lang}

	if err := b.add(DataName, zip.Deflate, func(w io.Writer) error { return WriteData(w, d, tables) }); err != nil {
		return nil, err
	}
	// The PDF embeds compressed streams and fonts: stored as is.
	if err := b.add(PDFName(opts.Lang), zip.Store, func(w io.Writer) error { return WritePDF(w, d, opts.Lang) }); err != nil {
		return nil, err
	}
	for _, t := range tables {
		if err := b.add("csv/"+t.Name+".csv", zip.Deflate, func(w io.Writer) error { return WriteCSV(w, t, opts.Lang) }); err != nil {
			return nil, err
		}
	}
	if err := b.add(XLSXName, zip.Store, func(w io.Writer) error { return WriteXLSX(w, tables, opts.Lang) }); err != nil {
		return nil, err
	}
	paths := make(map[int64]string, files)
	for _, e := range d.Evidence {
		if e.Path != "" {
			paths[e.VersionID] = e.Path
		}
	}
	if files > 0 {
		err = evidence.EachContent(ctx, tx, opts.EntityID, func(v evidence.FileVersion, r io.Reader) error {
			p, ok := paths[v.ID]
			if !ok {
				return fmt.Errorf("report: evidence version %d not in the dataset", v.ID)
			}
			// Evidence is mostly compressed already (PDF, images, Office files):
			// stored as is, which is also fastest for large volumes.
			return b.add(p, zip.Store, func(w io.Writer) error {
				_, err := io.Copy(w, r)
				return err
			})
		})
		if err != nil {
			return nil, err
		}
	}
	var chain audit.ChainChecker
	var broken error
	err = b.add(AuditName, zip.Deflate, func(w io.Writer) error {
		// Written and verified from the start in one pass: the package's
		// full verification of the chain (Collect's is checkpointed).
		return audit.Each(ctx, tx, opts.EntityID, func(row audit.Row) error {
			line, lineBroken, err := chain.Row(row)
			if err != nil {
				return err
			}
			if broken == nil {
				broken = lineBroken
			}
			_, err = w.Write(line)
			return err
		})
	})
	if err != nil && !errors.Is(err, audit.ErrNoEntity) {
		return nil, err
	}
	m.AuditChain = ChainHead{Rows: d.Audit.Rows, Seq: d.Audit.HeadSeq, Hash: d.Audit.HeadHash, Intact: d.Audit.Intact && broken == nil,
		Broken: d.Audit.Broken}
	if broken != nil && m.AuditChain.Broken == "" {
		m.AuditChain.Broken = broken.Error()
	}
	m.Files = b.files
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	manifest = append(manifest, '\n')
	sum := sha256.Sum256(manifest)
	m.SHA256 = hex.EncodeToString(sum[:])
	if err := b.addBytes(ManifestName, manifest); err != nil {
		return nil, err
	}
	sig := Signature{Algorithm: "ed25519", PublicKey: PublicKeyString(opts.Key),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(opts.Key, manifest))}
	sigJSON, err := json.MarshalIndent(sig, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := b.addBytes(SignatureName, append(sigJSON, '\n')); err != nil {
		return nil, err
	}
	if err := b.zw.Close(); err != nil {
		return nil, fmt.Errorf("report: close zip: %w", err)
	}
	return m, nil
}

// builder writes ZIP entries and records each one's size and hash.
type builder struct {
	zw          *zip.Writer
	files       []ManifestFile
	done, total int
	progress    func(done, total int)
	created     time.Time
}

// counter counts and hashes what passes through it.
type counter struct {
	h hash.Hash
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

// add writes one entry through fn, hashing it on the way (io.MultiWriter),
// and lists it in the manifest.
func (b *builder) add(name string, method uint16, fn func(io.Writer) error) error {
	zf, err := b.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: b.created})
	if err != nil {
		return fmt.Errorf("report: %s: %w", name, err)
	}
	c := &counter{h: sha256.New()}
	if err := fn(io.MultiWriter(zf, c)); err != nil {
		return fmt.Errorf("report: %s: %w", name, err)
	}
	if name != ManifestName && name != SignatureName {
		b.files = append(b.files, ManifestFile{Path: name, Size: c.n, SHA256: hex.EncodeToString(c.h.Sum(nil))})
	}
	b.done++
	if b.progress != nil {
		b.progress(b.done, b.total)
	}
	return nil
}

func (b *builder) addBytes(name string, data []byte) error {
	return b.add(name, zip.Deflate, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}
