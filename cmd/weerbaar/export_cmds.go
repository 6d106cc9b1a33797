package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/weerbaar/weerbaar/internal/app"
	"github.com/weerbaar/weerbaar/internal/config"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/report"
	"github.com/weerbaar/weerbaar/internal/secretkey"
)

// errPackageMismatch makes `verify-package` exit 1 after naming the file.
var errPackageMismatch = errors.New("package does not verify")

// exportRequest is `weerbaar export`'s arguments, checked.
type exportRequest struct {
	entityID int64
	lang     i18n.Lang
	period   report.Period
	out      string
}

// parseExport reads export's arguments; the period defaults to the twelve
// months up to now. help or an error (a usage error) ends the command.
func (e *cmdEnv) parseExport(args []string, now time.Time) (req exportRequest, help bool, err error) {
	const synopsis = "--entity ID --lang nl|en [--from YYYY-MM-DD --to YYYY-MM-DD] --out FILE.zip"
	fs := e.flags("export", synopsis,
		"Write the entity's evidence package (tables as CSV, XLSX and JSON, the evidence files, the\n"+
			"audit chain and a manifest signed with the instance's key) to FILE.zip, as the export page\n"+
			"does. The period defaults to the twelve months up to today. Needs the database and the\n"+
			"secret key (the signing key is derived from it). See docs/package.md.")
	fs.Func("entity", "the entity's `ID` (required)", func(s string) error {
		// Decimal only: flag.Int64 would read "010" as entity 8.
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return errors.New("want an entity id (1 or more)")
		}
		req.entityID = id
		return nil
	})
	lang := fs.String("lang", "", "language of the headings and labels: nl or en (required)")
	from := fs.String("from", "", "first day of the period, `YYYY-MM-DD`")
	to := fs.String("to", "", "last day of the period, `YYYY-MM-DD`")
	fs.StringVar(&req.out, "out", "", "the ZIP file to write (required)")
	if help, err := e.parse(fs, args); help || err != nil {
		return req, help, err
	}
	if fs.NArg() > 0 {
		return req, false, e.misuse(fs, fmt.Sprintf("export: unexpected argument %q", fs.Arg(0)))
	}
	var ok bool
	req.lang, ok = i18n.Parse(*lang)
	if req.entityID <= 0 || !ok || req.out == "" {
		return req, false, e.misuse(fs, "export: --entity, --lang nl|en and --out are required")
	}
	req.period = report.LastYear(now)
	if *from != "" || *to != "" {
		f, err1 := time.Parse(time.DateOnly, *from)
		t, err2 := time.Parse(time.DateOnly, *to)
		if err1 != nil || err2 != nil || t.Before(f) {
			return req, false, e.misuse(fs, "export: --from and --to must both be dates YYYY-MM-DD, --from not after --to")
		}
		req.period = report.Period{From: f, To: t}
	}
	return req, false, nil
}

// exportCmd: `weerbaar export --entity ID --lang nl|en [--from D --to D] --out file.zip`.
func exportCmd(ctx context.Context, e *cmdEnv, args []string) error {
	now := time.Now().UTC()
	req, help, err := e.parseExport(args, now)
	if help || err != nil {
		return err
	}
	cfg, err := e.load(config.Address | config.Database | config.SecretKey)
	if err != nil {
		return err
	}
	key, err := secretkey.SigningKey(cfg.SecretKey)
	if err != nil {
		return err
	}
	database, err := e.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer database.Close()
	f, err := os.Create(req.out)
	if err != nil {
		return err
	}
	m, err := report.Build(ctx, database.Pool, f, report.Options{EntityID: req.entityID, Period: req.period, Lang: req.lang, Now: now, Key: key})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(req.out)
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d files, audit chain head seq %d %s\n", req.out, len(m.Files)+2, m.AuditChain.Seq, m.AuditChain.Hash)
	// Every export also checkpoints all chain heads outside the database.
	cp, err := app.NewCheckpointer(cfg, database.Pool, app.NewLogger(e.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	if _, err := cp.Write(ctx); err != nil {
		return fmt.Errorf("the package is written, but the audit checkpoint is not: %w", err)
	}
	fmt.Fprintf(e.stdout, "audit checkpoint written to %s\n", cp.Path)
	return nil
}

// exportKeyCmd: `weerbaar export-key` prints the instance's public key.
func exportKeyCmd(_ context.Context, e *cmdEnv, args []string) error {
	if help, err := e.noArgs("export-key", "Print the public key (base64) that verifies this instance's evidence packages.\n"+
		"Give it to auditors: `weerbaar verify-package FILE --public-key KEY`. Needs only the secret key.", args); help || err != nil {
		return err
	}
	cfg, err := e.load(config.SecretKey)
	if err != nil {
		return err
	}
	key, err := secretkey.SigningKey(cfg.SecretKey)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, report.PublicKeyString(key))
	return nil
}

// verifyPackageCmd: `weerbaar verify-package FILE.zip [--public-key K]`.
func verifyPackageCmd(_ context.Context, e *cmdEnv, args []string) error {
	fs := e.flags("verify-package", "FILE.zip [--public-key KEY]",
		"Check an evidence package offline: the manifest's signature, every file's size and SHA-256,\n"+
			"that no file is missing or extra, and the audit chain in audit-log.jsonl. Prints OK with the\n"+
			"chain head and the number of files, or the first mismatch naming the file (exit 1).\n"+
			"Without --public-key the key inside the package is used, which shows the package is intact\n"+
			"but not who made it. Needs no database or configuration.")
	pub := fs.String("public-key", "", "the instance's public `KEY` (base64, from `weerbaar export-key`)")
	file, help, err := e.parseFile(fs, args, "package file")
	if help || err != nil {
		return err
	}
	var key ed25519.PublicKey
	if *pub != "" {
		k, err := report.ParsePublicKey(*pub)
		if err != nil {
			return e.misuse(fs, "verify-package: --public-key is "+err.Error())
		}
		key = k
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	res, err := report.Verify(f, st.Size(), key)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, res.String())
	if !res.OK {
		return errPackageMismatch
	}
	return nil
}
