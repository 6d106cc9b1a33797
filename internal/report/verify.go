package report

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/weerbaar/weerbaar/internal/audit"
)

// Result is the outcome of Verify: OK, or the first mismatch and the file
// it is in.
type Result struct {
	OK bool
	// File names the file of the first mismatch ("" for the package as a
	// whole); Reason says what is wrong, in English with the details, and
	// Code names the kind of mismatch for a page to word in the reader's
	// language: not_zip, duplicate, extra, missing, unreadable, too_large,
	// signature_file, signature, format, changed, chain, chain_head.
	File, Reason, Code string
	// Files is the number of files the manifest lists and Verify checked.
	Files int
	// KeySource is "given" when the signature was checked with the public key
	// the caller passed (what an auditor should do), "package" when with the
	// key in manifest.sig (which only shows the package is intact, not who
	// made it).
	KeySource string
	PublicKey string
	// Chain is the audit chain's head as re-verified from audit-log.jsonl.
	Chain    ChainHead
	Manifest *Manifest
}

// String is the result as `weerbaar verify-package` prints it.
func (r Result) String() string {
	if r.OK {
		return fmt.Sprintf("OK: %d files, signature valid (%s public key %s), audit chain intact: %d rows, head seq %d, hash %s",
			r.Files, r.KeySource, r.PublicKey, r.Chain.Rows, r.Chain.Seq, r.Chain.Hash)
	}
	if r.File == "" {
		return "MISMATCH: " + r.Reason
	}
	return "MISMATCH in " + r.File + ": " + r.Reason
}

// MismatchCodes are every Result.Code Verify gives.
var MismatchCodes = []string{"not_zip", "duplicate", "extra", "missing", "unreadable", "too_large",
	"signature_file", "signature", "format", "changed", "chain", "chain_head"}

func mismatch(file, code, format string, args ...any) (Result, error) {
	return Result{File: file, Code: code, Reason: fmt.Sprintf(format, args...)}, nil
}

// maxMeta bounds manifest.json and manifest.sig, which are read whole.
const maxMeta = 64 << 20

// Verify checks a package without a database: manifest.sig's Ed25519
// signature over manifest.json (with publicKey when given, else with the key
// in manifest.sig — KeySource says which), that the ZIP holds exactly the
// files the manifest lists (none missing, none extra, none twice), each
// file's size and SHA-256, and the audit chain in audit-log.jsonl, whose
// head must match the manifest's. It stops at the first mismatch. The error
// is for failures to read r only.
func Verify(r io.ReaderAt, size int64, publicKey ed25519.PublicKey) (Result, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return mismatch("", "not_zip", "not a ZIP file: %v", err)
	}
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		if _, dup := entries[f.Name]; dup {
			return mismatch(f.Name, "duplicate", "appears twice in the ZIP")
		}
		entries[f.Name] = f
	}
	manifestBytes, res, ok := readSmall(entries, ManifestName)
	if !ok {
		return res, nil
	}
	sigBytes, res, ok := readSmall(entries, SignatureName)
	if !ok {
		return res, nil
	}
	var sig Signature
	if err := json.Unmarshal(sigBytes, &sig); err != nil || sig.Algorithm != "ed25519" {
		return mismatch(SignatureName, "signature_file", "not an Ed25519 signature file")
	}
	sigValue, err := base64.StdEncoding.DecodeString(sig.Signature)
	if err != nil {
		return mismatch(SignatureName, "signature_file", "signature is not base64")
	}
	out := Result{KeySource: "given"}
	key := publicKey
	if key == nil {
		k, err := base64.StdEncoding.DecodeString(sig.PublicKey)
		if err != nil || len(k) != ed25519.PublicKeySize {
			return mismatch(SignatureName, "signature_file", "public key is not a base64 Ed25519 key")
		}
		key, out.KeySource = k, "package"
	}
	out.PublicKey = base64.StdEncoding.EncodeToString(key)
	if !ed25519.Verify(key, manifestBytes, sigValue) {
		return mismatch(ManifestName, "signature", "the signature in %s does not verify with the %s public key %s (manifest or signature changed, or another key)",
			SignatureName, out.KeySource, out.PublicKey)
	}
	var m Manifest
	if err := json.Unmarshal(manifestBytes, &m); err != nil {
		return mismatch(ManifestName, "unreadable", "unreadable: %v", err)
	}
	if m.Format != FormatVersion {
		return mismatch(ManifestName, "format", "format %q, expected %q", m.Format, FormatVersion)
	}
	out.Manifest = &m
	listed := map[string]bool{ManifestName: true, SignatureName: true}
	for _, mf := range m.Files {
		if listed[mf.Path] {
			return mismatch(mf.Path, "duplicate", "listed twice in the manifest")
		}
		listed[mf.Path] = true
	}
	for _, f := range zr.File {
		if !listed[f.Name] {
			return mismatch(f.Name, "extra", "in the ZIP but not in the manifest")
		}
	}
	for _, mf := range m.Files {
		f, ok := entries[mf.Path]
		if !ok {
			return mismatch(mf.Path, "missing", "missing from the ZIP")
		}
		rc, err := f.Open()
		if err != nil {
			return mismatch(mf.Path, "unreadable", "cannot be read: %v", err)
		}
		h := sha256.New()
		var chain audit.ChainChecker
		var chainErr error
		var w io.Writer = h
		var lines *lineSplitter
		if mf.Path == AuditName {
			lines = &lineSplitter{fn: func(line []byte) {
				if chainErr == nil {
					chainErr = chain.Line(line)
				}
			}}
			w = io.MultiWriter(h, lines)
		}
		n, err := io.Copy(w, rc)
		rc.Close()
		if err != nil {
			return mismatch(mf.Path, "unreadable", "cannot be read: %v", err)
		}
		if n != mf.Size {
			return mismatch(mf.Path, "changed", "size %d, manifest says %d", n, mf.Size)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != mf.SHA256 {
			return mismatch(mf.Path, "changed", "SHA-256 %s, manifest says %s", got, mf.SHA256)
		}
		out.Files++
		if lines != nil {
			lines.flush()
			if chainErr != nil {
				return mismatch(AuditName, "chain", "audit chain broken: %v", chainErr)
			}
			out.Chain = ChainHead{Rows: chain.Rows, Seq: chain.HeadSeq, Hash: chain.HeadHash, Intact: true}
			if chain.HeadSeq != m.AuditChain.Seq || chain.HeadHash != m.AuditChain.Hash {
				return mismatch(AuditName, "chain_head", "chain head seq %d %s, manifest says seq %d %s", chain.HeadSeq, chain.HeadHash,
					m.AuditChain.Seq, m.AuditChain.Hash)
			}
		}
	}
	if _, ok := entries[AuditName]; !ok {
		return mismatch(AuditName, "missing", "missing from the ZIP")
	}
	out.OK = true
	return out, nil
}

// readSmall reads a small file of the package whole.
func readSmall(entries map[string]*zip.File, name string) ([]byte, Result, bool) {
	f, ok := entries[name]
	if !ok {
		return nil, Result{File: name, Code: "missing", Reason: "missing from the ZIP"}, false
	}
	if f.UncompressedSize64 > maxMeta {
		return nil, Result{File: name, Code: "too_large", Reason: "too large"}, false
	}
	rc, err := f.Open()
	if err != nil {
		return nil, Result{File: name, Code: "unreadable", Reason: "cannot be read: " + err.Error()}, false
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxMeta))
	if err != nil {
		return nil, Result{File: name, Code: "unreadable", Reason: "cannot be read: " + err.Error()}, false
	}
	return b, Result{}, true
}

// lineSplitter calls fn for each complete line written to it.
type lineSplitter struct {
	buf []byte
	fn  func([]byte)
}

func (l *lineSplitter) Write(p []byte) (int, error) {
	n := len(p)
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.buf = append(l.buf, p...)
			return n, nil
		}
		l.buf = append(l.buf, p[:i]...)
		l.fn(l.buf)
		l.buf = l.buf[:0]
		p = p[i+1:]
	}
}

func (l *lineSplitter) flush() {
	if len(bytes.TrimSpace(l.buf)) > 0 {
		l.fn(l.buf)
	}
	l.buf = l.buf[:0]
}
