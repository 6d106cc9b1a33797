package report_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"

	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/report"
	"github.com/weerbaar/weerbaar/internal/secretkey"
)

var testSecret = bytes.Repeat([]byte{7}, 32)

func testKey(t testing.TB) ed25519.PrivateKey {
	k, err := secretkey.SigningKey(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func demoEntity(t testing.TB, pool *pgxpool.Pool) int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Seed(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := pool.QueryRow(ctx, `SELECT id FROM entities WHERE slug = $1`, demo.EntitySlug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func build(t testing.TB, pool *pgxpool.Pool, entityID int64, lang i18n.Lang) []byte {
	t.Helper()
	var buf bytes.Buffer
	now := time.Now().UTC()
	if _, err := report.Build(context.Background(), pool, &buf, report.Options{EntityID: entityID, Period: report.LastYear(now),
		Lang: lang, Now: now, Key: testKey(t)}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readZip returns every entry's bytes by name, in ZIP order.
func readZip(t testing.TB, b []byte) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		names = append(names, f.Name)
		files[f.Name] = data
	}
	return names, files
}

// writeZip writes entries in order, as a tamperer with a ZIP tool would.
func writeZip(t testing.TB, names []string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDemoPackage(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	id := demoEntity(t, pool)
	pkg := build(t, pool, id, i18n.NL)
	names, files := readZip(t, pkg)

	// The manifest lists every other file with its size and hash.
	var m report.Manifest
	if err := json.Unmarshal(files[report.ManifestName], &m); err != nil {
		t.Fatal(err)
	}
	if names[len(names)-2] != report.ManifestName || names[len(names)-1] != report.SignatureName {
		t.Errorf("manifest and signature are not last: %v", names[len(names)-2:])
	}
	if len(m.Files) != len(names)-2 {
		t.Fatalf("manifest lists %d files, ZIP has %d", len(m.Files), len(names))
	}
	evidenceFiles := 0
	for _, f := range m.Files {
		sum := sha256.Sum256(files[f.Path])
		if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(files[f.Path])) != f.Size {
			t.Errorf("%s: manifest hash/size do not match", f.Path)
		}
		if strings.HasPrefix(f.Path, "evidence/") {
			evidenceFiles++
		}
	}
	if evidenceFiles == 0 {
		t.Error("the demo's evidence files are not in the package")
	}
	if m.AuditChain.Seq == 0 || len(m.AuditChain.Hash) != 64 || !m.AuditChain.Intact {
		t.Errorf("audit chain head %+v", m.AuditChain)
	}

	res, err := report.Verify(bytes.NewReader(pkg), int64(len(pkg)), testKey(t).Public().(ed25519.PublicKey))
	if err != nil || !res.OK || res.KeySource != "given" || res.Chain.Seq != m.AuditChain.Seq {
		t.Fatalf("verify: %+v %v", res, err)
	}
	if res, _ := report.Verify(bytes.NewReader(pkg), int64(len(pkg)), nil); !res.OK || res.KeySource != "package" {
		t.Fatalf("verify with the package's key: %+v", res)
	}
	other, _ := secretkey.SigningKey(bytes.Repeat([]byte{8}, 32))
	if res, _ := report.Verify(bytes.NewReader(pkg), int64(len(pkg)), other.Public().(ed25519.PublicKey)); res.OK || res.File != report.ManifestName {
		t.Fatalf("a wrong public key must fail the signature: %+v", res)
	}

	// Every table has the same rows in CSV, XLSX and JSON.
	var data struct {
		Schema string                      `json:"schema"`
		Tables map[string][]map[string]any `json:"tables"`
	}
	if err := json.Unmarshal(files[report.DataName], &data); err != nil {
		t.Fatal(err)
	}
	checkDataSchema(t, files[report.DataName])
	xf, err := excelize.OpenReader(bytes.NewReader(files[report.XLSXName]))
	if err != nil {
		t.Fatal(err)
	}
	sheets := xf.GetSheetList()
	tables := []string{"soa", "measures", "risks", "suppliers", "decisions", "incidents", "training", "evidence"}
	if len(sheets) != len(tables) {
		t.Fatalf("sheets %v", sheets)
	}
	for i, name := range tables {
		raw := files["csv/"+name+".csv"]
		if !bytes.HasPrefix(raw, []byte("\uFEFF")) {
			t.Errorf("%s.csv has no BOM", name)
		}
		cr := csv.NewReader(bytes.NewReader(raw[3:]))
		cr.Comma = ';'
		recs, err := cr.ReadAll()
		if err != nil {
			t.Fatalf("%s.csv: %v", name, err)
		}
		rows, err := xf.GetRows(sheets[i])
		if err != nil {
			t.Fatal(err)
		}
		jsonRows, ok := data.Tables[name]
		if !ok {
			t.Fatalf("data.json has no table %s", name)
		}
		if len(recs)-1 != len(jsonRows) || len(rows)-1 != len(jsonRows) {
			t.Errorf("%s: CSV %d rows, XLSX %d rows, JSON %d rows", name, len(recs)-1, len(rows)-1, len(jsonRows))
		}
		if len(recs[0]) != len(rows[0]) {
			t.Errorf("%s: CSV %d columns, XLSX %d", name, len(recs[0]), len(rows[0]))
		}
	}
	for _, name := range []string{"soa", "measures", "evidence"} {
		if len(data.Tables[name]) == 0 {
			t.Errorf("the demo's %s table is empty", name)
		}
	}
	// Typed cells: a maturity is a number and a date is a date in the workbook.
	// (a cell without a type attribute is a number in OOXML).
	typ, err := xf.GetCellType(sheets[0], "F2")
	if err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
		t.Errorf("SoA maturity cell type %v %v", typ, err)
	}
	if typ, _ := xf.GetCellType(sheets[0], "A2"); typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset {
		t.Errorf("SoA requirement code cell type %v: want text", typ)
	}
	// uploaded_at (column H of the evidence sheet): an Excel serial number
	// shown with a date format.
	raw, _ := xf.GetCellValue(sheets[7], "H2", excelize.Options{RawCellValue: true})
	shown, _ := xf.GetCellValue(sheets[7], "H2")
	if _, err := strconv.ParseFloat(raw, 64); err != nil || !regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$`).MatchString(shown) {
		t.Errorf("evidence uploaded_at cell raw %q shown %q: want a date", raw, shown)
	}
	xf.Close()
}

// TestDemoPackageJudgesDecisionsAndEvidence: the package says which board
// approvals no longer hold today and why (the demo's measure plan changed
// after its approval; the 2026 risk analysis did not), and carries the
// register's review of each evidence item.
func TestDemoPackageJudgesDecisionsAndEvidence(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	id := demoEntity(t, pool)
	_, files := readZip(t, build(t, pool, id, i18n.NL))
	var data struct {
		Tables map[string][]map[string]any `json:"tables"`
	}
	if err := json.Unmarshal(files[report.DataName], &data); err != nil {
		t.Fatal(err)
	}
	standing := map[string]map[string]any{}
	for _, d := range data.Tables["decisions"] {
		if d["state"] == "Goedgekeurd" {
			standing[d["kind"].(string)] = d
		}
	}
	plan, analysis := standing["Maatregelenplan"], standing["Risicoanalyse"]
	if plan == nil || analysis == nil {
		t.Fatalf("approved decisions %v: want the measure plan and the risk analysis", standing)
	}
	if plan["outdated"] != true || !strings.Contains(plan["outdated_reason"].(string), "inhoud is gewijzigd") {
		t.Errorf("measure plan changed after approval: outdated %v, reason %q", plan["outdated"], plan["outdated_reason"])
	}
	if analysis["outdated"] != false || analysis["outdated_reason"] != "" {
		t.Errorf("risk analysis unchanged since approval: outdated %v, reason %q", analysis["outdated"], analysis["outdated_reason"])
	}
	reviews := map[string]int{}
	for _, e := range data.Tables["evidence"] {
		reviews[e["review_state"].(string)]++
		if e["review_state"] == "Afgewezen" && e["review_comment"] == "" {
			t.Errorf("rejected evidence %v without the reviewer's comment", e["title"])
		}
		if e["review_state"] == "Geaccepteerd" && e["reviewed_by"] == "" {
			t.Errorf("accepted evidence %v without its reviewer", e["title"])
		}
	}
	if reviews["Geaccepteerd"] == 0 || reviews["Afgewezen"] == 0 || reviews["Te beoordelen"] == 0 {
		t.Errorf("review states in the package %v: want the demo's accepted, rejected and to-review items", reviews)
	}
	if !bytes.Contains(files["csv/evidence.csv"], []byte("Geldig tot")) {
		t.Error("csv/evidence.csv has no valid-until column")
	}
}

// checkDataSchema checks data.json against the required members and types
// of docs/package-schema.json: a hand check of its structure.
func checkDataSchema(t *testing.T, raw []byte) {
	t.Helper()
	var schema struct {
		Required   []string `json:"required"`
		Properties struct {
			Tables struct {
				Required   []string `json:"required"`
				Properties map[string]struct {
					Items struct {
						Required   []string                  `json:"required"`
						Properties map[string]map[string]any `json:"properties"`
					} `json:"items"`
				} `json:"properties"`
			} `json:"tables"`
		} `json:"properties"`
	}
	sb, err := readRepoFile("docs/package-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(sb, &schema); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range schema.Required {
		if _, ok := doc[k]; !ok {
			t.Errorf("data.json lacks %q", k)
		}
	}
	tables, _ := doc["tables"].(map[string]any)
	for _, name := range schema.Properties.Tables.Required {
		def := schema.Properties.Tables.Properties[name]
		rows, ok := tables[name].([]any)
		if !ok {
			t.Errorf("data.json: table %s missing", name)
			continue
		}
		for i, r := range rows {
			row := r.(map[string]any)
			if len(row) != len(def.Items.Properties) {
				t.Errorf("%s[%d]: %d members, schema has %d", name, i, len(row), len(def.Items.Properties))
			}
			for _, k := range def.Items.Required {
				v, ok := row[k]
				if !ok {
					t.Errorf("%s[%d] lacks %s", name, i, k)
					continue
				}
				if !schemaType(def.Items.Properties[k]["type"], v) {
					t.Errorf("%s[%d].%s = %v does not have type %v", name, i, k, v, def.Items.Properties[k]["type"])
				}
			}
		}
	}
}

func schemaType(want any, v any) bool {
	var types []string
	switch w := want.(type) {
	case string:
		types = []string{w}
	case []any:
		for _, x := range w {
			types = append(types, x.(string))
		}
	}
	for _, ty := range types {
		switch ty {
		case "string":
			if _, ok := v.(string); ok {
				return true
			}
		case "integer":
			if f, ok := v.(float64); ok && f == float64(int64(f)) {
				return true
			}
		case "number":
			if _, ok := v.(float64); ok {
				return true
			}
		case "boolean":
			if _, ok := v.(bool); ok {
				return true
			}
		case "null":
			if v == nil {
				return true
			}
		}
	}
	return false
}

func TestEveryTamperedFileIsNamed(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	id := demoEntity(t, pool)
	pkg := build(t, pool, id, i18n.EN)
	names, files := readZip(t, pkg)
	pub := testKey(t).Public().(ed25519.PublicKey)
	// Rewritten untouched, the package still verifies.
	if res, _ := report.Verify(bytes.NewReader(writeZip(t, names, files)), int64(len(writeZip(t, names, files))), pub); !res.OK {
		t.Fatalf("rewritten package: %+v", res)
	}
	if !slices.Contains(names, report.PDFName(i18n.EN)) {
		t.Fatalf("no %s to tamper with in %v", report.PDFName(i18n.EN), names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			changed := map[string][]byte{}
			for k, v := range files {
				changed[k] = v
			}
			b := bytes.Clone(files[name])
			b[len(b)/2] ^= 0x01
			changed[name] = b
			z := writeZip(t, names, changed)
			res, err := report.Verify(bytes.NewReader(z), int64(len(z)), pub)
			if err != nil {
				t.Fatal(err)
			}
			want := name
			if name == report.SignatureName {
				// A changed signature value no longer verifies the manifest;
				// a changed member name makes the file unreadable.
				if res.File == report.ManifestName {
					want = report.ManifestName
				}
			}
			if res.OK || res.File != want {
				t.Errorf("changed %s: %+v", name, res)
			}
			if !slices.Contains(report.MismatchCodes, res.Code) {
				t.Errorf("changed %s: code %q is not one of report.MismatchCodes", name, res.Code)
			}
		})
	}
	// A missing file and an extra file are named too.
	extra := writeZip(t, append(names, "evidence/extra.txt"), map[string][]byte{"evidence/extra.txt": []byte("x")})
	_ = extra
	var rest []string
	for _, n := range names {
		if n != report.DataName {
			rest = append(rest, n)
		}
	}
	z := writeZip(t, rest, files)
	if res, _ := report.Verify(bytes.NewReader(z), int64(len(z)), pub); res.OK || res.File != report.DataName {
		t.Errorf("missing data.json: %+v", res)
	}
	withExtra := map[string][]byte{"extra.txt": []byte("x")}
	for k, v := range files {
		withExtra[k] = v
	}
	z = writeZip(t, append(append([]string{}, names...), "extra.txt"), withExtra)
	if res, _ := report.Verify(bytes.NewReader(z), int64(len(z)), pub); res.OK || res.File != "extra.txt" {
		t.Errorf("extra file: %+v", res)
	}
}

func TestEnglishPackageHasNoDutchHeadings(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	id := demoEntity(t, pool)
	_, files := readZip(t, build(t, pool, id, i18n.EN))
	soa := string(files["csv/soa.csv"])
	head := strings.SplitN(soa, "\n", 2)[0]
	for _, dutch := range []string{"Eis", "Toepasselijkheid", "Onderbouwing", "Volwassenheid", "Eigenaar", "Streefdatum"} {
		if strings.Contains(head, dutch) {
			t.Errorf("English SoA CSV header has %q: %s", dutch, head)
		}
	}
	if !strings.Contains(head, "Requirement,") || strings.Contains(head, ";") {
		t.Errorf("English CSV header %q: want ',' separated English headings", head)
	}
	xf, err := excelize.OpenReader(bytes.NewReader(files[report.XLSXName]))
	if err != nil {
		t.Fatal(err)
	}
	defer xf.Close()
	sheets := xf.GetSheetList()
	if sheets[0] != "Statement of Applicability" {
		t.Errorf("sheets %v", sheets)
	}
	for _, s := range sheets {
		rows, _ := xf.GetRows(s)
		for _, h := range rows[0] {
			for _, dutch := range []string{"Onderbouwing", "Eigenaar", "Geüpload", "Bestandsnaam", "Leverancier", "Kroonjuweel", "Ingediend"} {
				if strings.Contains(h, dutch) {
					t.Errorf("sheet %s header %q is Dutch", s, h)
				}
			}
		}
	}
}

func TestSigningKeyIsStable(t *testing.T) {
	t.Parallel()
	a, b := testKey(t), testKey(t)
	if !a.Equal(b) {
		t.Fatal("the same secret gives another key")
	}
	other, _ := secretkey.SigningKey(bytes.Repeat([]byte{8}, 32))
	if a.Equal(other) {
		t.Fatal("another secret gives the same key")
	}
	if _, err := secretkey.SigningKey([]byte("short")); err == nil {
		t.Fatal("a short secret is accepted")
	}
}

func readRepoFile(name string) ([]byte, error) { return os.ReadFile(filepath.Join("..", "..", name)) }

// TestPackageWithoutFiles: with WithoutFiles the package holds no evidence
// files yet still lists every file version (size and SHA-256, no path), and
// it verifies.
func TestPackageWithoutFiles(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	id := demoEntity(t, pool)
	var buf bytes.Buffer
	now := time.Now().UTC()
	m, err := report.Build(context.Background(), pool, &buf, report.Options{EntityID: id, Period: report.LastYear(now),
		Lang: i18n.NL, Now: now, Key: testKey(t), WithoutFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	pkg := buf.Bytes()
	names, files := readZip(t, pkg)
	for _, n := range names {
		if strings.HasPrefix(n, "evidence/") {
			t.Errorf("%s in a package without files", n)
		}
	}
	var data struct {
		Tables map[string][]map[string]any `json:"tables"`
	}
	if err := json.Unmarshal(files[report.DataName], &data); err != nil {
		t.Fatal(err)
	}
	versions := 0
	for _, e := range data.Tables["evidence"] {
		if e["path"] != "" {
			t.Errorf("evidence %v has path %v", e["title"], e["path"])
		}
		if e["sha256"] != "" {
			versions++
		}
	}
	if versions == 0 {
		t.Error("the file versions are not listed")
	}
	res, err := report.Verify(bytes.NewReader(pkg), int64(len(pkg)), testKey(t).Public().(ed25519.PublicKey))
	if err != nil || !res.OK || res.Chain.Seq != m.AuditChain.Seq {
		t.Errorf("verify: %+v, %v", res, err)
	}
}
