package report_test

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/report"
)

// chainLine is one exported audit row (the ExportLine format): the
// canonical row with prev_hash and hash appended.
func chainLine(seq int64, prev, body string) (line, hash string) {
	canon := `{"seq":` + strconv.FormatInt(seq, 10) + `,` + body + `}`
	sum := sha256.Sum256([]byte(prev + canon))
	hash = hex.EncodeToString(sum[:])
	return canon[:len(canon)-1] + `,"prev_hash":"` + prev + `","hash":"` + hash + `"}`, hash
}

// handMadePackage builds a small package the way Build lays it out, without
// a database: data.json, an evidence file, a two-row audit chain, and the
// manifest signed with key. store keeps the entries uncompressed so a
// fuzzer's byte flips land in file contents.
func handMadePackage(t testing.TB, key ed25519.PrivateKey, store bool) ([]byte, map[string][]byte) {
	t.Helper()
	l1, h1 := chainLine(1, audit.GenesisHash, `"action":"entity.created","at":"2026-01-01T00:00:00.000000Z"`)
	l2, h2 := chainLine(2, h1, `"action":"evidence.uploaded","at":"2026-01-02T00:00:00.000000Z"`)
	files := map[string][]byte{
		report.DataName:  []byte(`{"schema":"` + report.DataSchema + `","risks":[]}`),
		report.AuditName: []byte(l1 + "\n" + l2 + "\n"),
		report.EvidencePath("measure", "1.1", 1, "beleid.pdf"): []byte("%PDF-1.4\n%%EOF\n"),
	}
	names := slices.Sorted(maps.Keys(files))
	m := report.Manifest{Format: report.FormatVersion, Generator: "fuzz", CreatedAt: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC),
		EntityID: 1, EntityName: "Fuzz B.V.", Lang: i18n.NL,
		AuditChain: report.ChainHead{Rows: 2, Seq: 2, Hash: h2, Intact: true}}
	for _, n := range names {
		sum := sha256.Sum256(files[n])
		m.Files = append(m.Files, report.ManifestFile{Path: n, Size: int64(len(files[n])), SHA256: hex.EncodeToString(sum[:])})
	}
	manifest, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := json.Marshal(report.Signature{Algorithm: "ed25519", PublicKey: report.PublicKeyString(key),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, manifest))})
	if err != nil {
		t.Fatal(err)
	}
	files[report.ManifestName], files[report.SignatureName] = manifest, sig
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range append(names, report.ManifestName, report.SignatureName) {
		method := zip.Deflate
		if store {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), files
}

// unzipAll returns every entry's bytes, and false when the ZIP cannot be
// read whole (then Verify must not have said OK).
func unzipAll(b []byte) (map[string][]byte, bool) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, false
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, false
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if _, dup := out[f.Name]; dup || err != nil {
			return nil, false
		}
		out[f.Name] = data
	}
	return out, true
}

// TestHandMadePackageVerifies keeps FuzzVerifyPackage's seed honest: it
// verifies as is, and each file changed by one byte does not.
func TestHandMadePackageVerifies(t *testing.T) {
	key := testKey(t)
	for _, store := range []bool{false, true} {
		pkg, files := handMadePackage(t, key, store)
		if res, err := report.Verify(bytes.NewReader(pkg), int64(len(pkg)), key.Public().(ed25519.PublicKey)); err != nil || !res.OK {
			t.Fatalf("store %v: %v %s", store, err, res)
		}
		for name := range files {
			changed := maps.Clone(files)
			changed[name] = append(bytes.Clone(files[name][:len(files[name])-1]), files[name][len(files[name])-1]^1)
			names := slices.Sorted(maps.Keys(changed))
			b := writeZip(t, names, changed)
			if res, _ := report.Verify(bytes.NewReader(b), int64(len(b)), nil); res.OK {
				t.Errorf("%s changed by one byte still verifies", name)
			}
		}
	}
}

// FuzzVerifyPackage: Verify on any bytes never panics and never fails to
// read from memory; OK with the instance's key means the ZIP holds exactly
// the files that were signed, byte for byte; OK with the key inside the
// package means every file matches the manifest's size and hash.
func FuzzVerifyPackage(f *testing.F) {
	key := testKey(f)
	pub := key.Public().(ed25519.PublicKey)
	signed, original := handMadePackage(f, key, false)
	stored, _ := handMadePackage(f, key, true)
	f.Add(signed)
	f.Add(stored)
	f.Add(stored[:len(stored)-1])
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, k := range []ed25519.PublicKey{pub, nil} {
			res, err := report.Verify(bytes.NewReader(b), int64(len(b)), k)
			if err != nil {
				t.Fatalf("reading from memory failed: %v", err)
			}
			if s := res.String(); res.OK != strings.HasPrefix(s, "OK: ") || !res.OK && res.Reason == "" {
				t.Fatalf("result %q for %+v", s, res)
			}
			if !res.OK {
				continue
			}
			got, ok := unzipAll(b)
			if !ok {
				t.Fatal("OK for a ZIP whose entries cannot all be read")
			}
			if k != nil {
				if res.KeySource != "given" || !maps.EqualFunc(got, original, bytes.Equal) {
					t.Fatalf("OK with the instance key for a package whose files differ from the signed ones (%d files)", len(got))
				}
				continue
			}
			checkAgainstManifest(t, res, got)
		}
	})
}

// checkAgainstManifest re-checks an OK result with the package's own key:
// the files are exactly the manifest's, with its sizes and hashes.
func checkAgainstManifest(t *testing.T, res report.Result, got map[string][]byte) {
	t.Helper()
	if res.KeySource != "package" || res.Manifest == nil || res.Files != len(res.Manifest.Files) || len(got) != res.Files+2 {
		t.Fatalf("OK with key source %q, %d files checked, %d in the ZIP", res.KeySource, res.Files, len(got))
	}
	for _, mf := range res.Manifest.Files {
		data, ok := got[mf.Path]
		sum := sha256.Sum256(data)
		if !ok || int64(len(data)) != mf.Size || hex.EncodeToString(sum[:]) != mf.SHA256 {
			t.Fatalf("OK but %s does not match the manifest", mf.Path)
		}
	}
	if _, ok := got[report.AuditName]; !ok {
		t.Fatal("OK without an audit log")
	}
}
