package server_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// readExportCSV reads a download the way the reader's spreadsheet would:
// Dutch files must start with a UTF-8 BOM and use ';', English ones ','
// without a BOM.
func readExportCSV(body string, lang i18n.Lang) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF")))
	r.FieldsPerRecord = -1
	if lang == i18n.NL {
		r.Comma = ';'
	}
	return r.ReadAll()
}

func inEnglish(t *testing.T, c *apptest.Client) {
	t.Helper()
	if r := c.PostForm(t, "/lang", url.Values{"lang": {"en"}, "next": {"/"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch to English: %d", r.StatusCode)
	}
}

// TestSoACSVOpensInDutchExcel: the Dutch SoA export has a BOM, ';', Dutch
// headers and values, the ISO 27001 controls and the evidence with its
// SHA-256, under a Dutch file name; in English it uses ',' and English words.
func TestSoACSVOpensInDutchExcel(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	aud := a.LoginDemo(t, authz.Auditor)

	r := aud.Get(t, base+"/soa.csv")
	if !strings.HasPrefix(r.Body, "\uFEFF") {
		t.Fatalf("Dutch CSV has no byte-order mark: %q", r.Body[:min(40, len(r.Body))])
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="verklaring-van-toepasselijkheid-`) {
		t.Errorf("Dutch file name: %q", cd)
	}
	rows, err := readExportCSV(r.Body, i18n.NL)
	if err != nil || len(rows) < 2 {
		t.Fatalf("read Dutch CSV: %v (%d rows)", err, len(rows))
	}
	head := rows[0]
	if len(head) < 10 || head[0] != i18n.Translate(i18n.NL, "soa.requirement") || !slicesContains(head, i18n.Translate(i18n.NL, "soa.export.iso")) ||
		!slicesContains(head, i18n.Translate(i18n.NL, "soa.export.evidence")) {
		t.Fatalf("Dutch headers: %q", head)
	}
	col := func(name string) int {
		for i, h := range head {
			if h == i18n.Translate(i18n.NL, name) {
				return i
			}
		}
		t.Fatalf("no column %s in %q", name, head)
		return -1
	}
	var first []string
	for _, row := range rows[1:] {
		if row[0] == "1.1" {
			first = row
		}
	}
	if first == nil {
		t.Fatalf("requirement 1.1 missing")
	}
	if got := first[col("soa.applicability")]; got != i18n.Translate(i18n.NL, "soa.applicable") {
		t.Errorf("applicability in Dutch: %q", got)
	}
	if got := first[col("soa.status")]; got != i18n.Translate(i18n.NL, "status.implemented") {
		t.Errorf("status in Dutch: %q", got)
	}
	if got := first[col("soa.export.iso")]; !strings.Contains(got, "A.5.1") {
		t.Errorf("ISO controls of 1.1: %q", got)
	}
	ev := first[col("soa.export.evidence")]
	version := regexp.QuoteMeta(i18n.Translate(i18n.NL, "soa.export.version", 1))
	if !regexp.MustCompile(`Informatiebeveiligingsbeleid 2026\.pdf \(` + version + `, SHA-256 [0-9a-f]{64}\)`).MatchString(ev) {
		t.Errorf("evidence of 1.1 with version and hash: %q", ev)
	}
	if strings.Contains(r.Body, "true") || strings.Contains(r.Body, "implemented") {
		t.Errorf("Dutch CSV holds database values")
	}

	inEnglish(t, aud)
	r = aud.Get(t, base+"/soa.csv")
	if strings.HasPrefix(r.Body, "\uFEFF") || !strings.HasPrefix(r.Body, i18n.Translate(i18n.EN, "soa.requirement")+",") {
		t.Errorf("English CSV: %q", r.Body[:min(60, len(r.Body))])
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="statement-of-applicability-`) {
		t.Errorf("English file name: %q", cd)
	}
	if rows, err := readExportCSV(r.Body, i18n.EN); err != nil || !strings.Contains(strings.Join(rows[1], "|"), "|"+i18n.Translate(i18n.EN, "soa.applicable")+"|") {
		t.Errorf("English values: %v %q", err, rows[1])
	}
	if cd := aud.Get(t, base+"/registration.csv").Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="registration-`) {
		t.Errorf("English registration file name: %q", cd)
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestAuditLogReadsAsSentences: the audit log names people, labels actions
// and fields and translates values; it shows no action keys, field names or
// user ids.
func TestAuditLogReadsAsSentences(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)
	form := requirementForm(requirementVersion(t, a, id, "2.3"), "implemented", "3")
	if r := off.PostForm(t, base+"/requirements/2.3", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save 2.3: %d", r.StatusCode)
	}
	aud := a.LoginDemo(t, authz.Auditor)
	// Filtered to requirement changes: the demo writes more rows than one
	// page holds (its risk analysis), which would push the demo's owner
	// change off the first page.
	page := aud.Get(t, base+"/audit?action=requirement.updated")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("audit log: %d", page.StatusCode)
	}
	nl := func(key string) string { return i18n.Translate(i18n.NL, key) }
	for _, want := range []string{
		tr(t, "audit.sentence.requirement.updated", "Sanne Visser", "2.3"),
		tr(t, "audit.change.from_to", nl("audit.field.status"), nl("status.not_started"), nl("status.implemented")),
		tr(t, "audit.change.from_to", nl("audit.field.maturity"), "1", "3"), // the demo left 2.3 at 1
		tr(t, "audit.change.from_to", nl("audit.field.owner_id"), nl("audit.value.empty"), "Sanne Visser"),
		`<option value="requirement.updated" selected>` + tr(t, "audit.action.requirement.updated") + `</option>`,
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
	text := regexp.MustCompile(`(?s)<option[^>]*value="[^"]*"|<[^>]+>`).ReplaceAllString(page.Body, " ")
	for _, bad := range []string{"requirement.updated", "owner_id", "not_started", "maturity:", "'' →"} {
		if strings.Contains(text, bad) {
			t.Errorf("audit log shows database word %q", bad)
		}
	}
	if !strings.Contains(page.Body, `role="region"`) || !strings.Contains(page.Body, `tabindex="0"`) {
		t.Errorf("audit table is not in a focusable scroll region")
	}

	inEnglish(t, aud)
	page = aud.Get(t, base+"/audit")
	en := func(key string) string { return i18n.Translate(i18n.EN, key) }
	if !strings.Contains(page.Body, trEN(t, "audit.sentence.requirement.updated", "Sanne Visser", "2.3")) ||
		!strings.Contains(page.Body, trEN(t, "audit.change.from_to", en("audit.field.status"), en("status.not_started"), en("status.implemented"))) {
		t.Errorf("English audit log not in sentences")
	}
}

// TestAuditExportReverifies: auditors and admins download the chain as CSV
// and JSONL; every JSONL line re-verifies with the documented recipe
// (SHA-256 of prev_hash followed by the line without its two hash members),
// and the lines chain. Officers may not export.
func TestAuditExportReverifies(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	if r := a.LoginDemo(t, authz.SecurityOfficer).Get(t, base+"/audit.jsonl"); r.StatusCode != http.StatusForbidden {
		t.Errorf("officer exports the audit log: %d", r.StatusCode)
	}
	for _, role := range []authz.Role{authz.Auditor, authz.Admin} {
		c := a.LoginDemo(t, role)
		j := c.Get(t, base+"/audit.jsonl")
		if j.StatusCode != http.StatusOK || !strings.Contains(j.Header.Get("Content-Disposition"), `filename="auditlog-`) {
			t.Fatalf("%s: jsonl %d %q", role, j.StatusCode, j.Header.Get("Content-Disposition"))
		}
		prev, n := strings.Repeat("0", 64), 0
		sc := bufio.NewScanner(strings.NewReader(j.Body))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			n++
			var doc struct {
				Seq      int64  `json:"seq"`
				PrevHash string `json:"prev_hash"`
				Hash     string `json:"hash"`
			}
			if err := json.Unmarshal(line, &doc); err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
			cut := bytes.LastIndex(line, []byte(`,"prev_hash":`))
			canon := append(append([]byte{}, line[:cut]...), '}')
			sum := sha256.Sum256(append([]byte(doc.PrevHash), canon...))
			if doc.Seq != int64(n) || doc.PrevHash != prev || hex.EncodeToString(sum[:]) != doc.Hash {
				t.Fatalf("%s: line %d does not verify: seq %d", role, n, doc.Seq)
			}
			prev = doc.Hash
		}
		if n < 10 {
			t.Fatalf("%s: only %d lines", role, n)
		}
		c1 := c.Get(t, base+"/audit.csv")
		rows, err := readExportCSV(c1.Body, i18n.NL)
		if err != nil || len(rows) != n+1 {
			t.Fatalf("%s: csv %v, %d rows for %d events", role, err, len(rows), n)
		}
		last := rows[len(rows)-1]
		if last[len(last)-1] != prev || len(last[len(last)-2]) != 64 {
			t.Errorf("%s: csv row lacks the hashes: %q", role, last)
		}
	}
}

// TestAuditLogQueryBudget: the audit log page and its exports take a small
// constant number of queries, however many rows and people they name (names
// come from one lookup, not one per row).
func TestAuditLogQueryBudget(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	aud := a.LoginDemo(t, authz.Auditor)
	count := func(path string) int {
		aud.Get(t, path) // warm caches once, as a running server has them
		r, n := aud.GetCountingQueries(t, path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, r.StatusCode)
		}
		return n
	}
	small := count(base + "/audit")
	// More rows, by more people: the count stays the same.
	off := a.LoginDemo(t, authz.SecurityOfficer)
	admin := a.LoginDemo(t, authz.Admin)
	for i, code := range []string{"2.3", "5.1", "6.1", "8.2"} {
		c := off
		if i%2 == 1 {
			c = admin
		}
		if r := c.PostForm(t, base+"/requirements/"+code, requirementForm(requirementVersion(t, a, id, code), "in_progress", "2")); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save %s: %d", code, r.StatusCode)
		}
	}
	large := count(base + "/audit")
	t.Logf("audit log: %d queries with the demo rows, %d with more rows by more people", small, large)
	if small > 8 || large != small {
		t.Errorf("audit log takes %d queries with the demo rows and %d with more (budget 8, constant)", small, large)
	}
	for _, path := range []string{base + "/audit.csv", base + "/audit.jsonl"} {
		if n := count(path); n > 8 {
			t.Errorf("%s takes %d queries (budget 8)", path, n)
		}
	}
}
