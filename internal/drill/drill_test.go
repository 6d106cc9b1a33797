package drill_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
	"github.com/weerbaar/weerbaar/internal/risk"
)

// The drill's phases, as each ledger entry records when its write started.
const (
	before int32 = iota
	outage
	after
)

var phaseNames = [...]string{"before", "outage", "after"}

// entry is one write of the client-side ledger: what was sent and what came back.
type entry struct {
	kind   string // requirement, scenario_create, scenario_edit, timeline, evidence
	tag    string // unique text carried by the write, to find it in the database
	ref    string // the record written (requirement code, scenario id, threat code)
	phase  int32
	status int    // 0: no answer
	page   string // for a 503: "not_saved", "unknown" or "" (neither sentence)
	done   time.Time
}

func (e entry) ok() bool { return e.status >= 200 && e.status < 400 }

type ledger struct {
	mu      sync.Mutex
	entries []entry
}

func (l *ledger) add(e entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, e)
}

// okCount counts each writer's successful writes in phase.
func (l *ledger) okCount(phase int32) map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := map[string]int{}
	for _, e := range l.entries {
		if e.phase == phase && e.ok() {
			n[writerOf(e.tag)]++
		}
	}
	return n
}

// firstSaved is when the first write of phase that succeeded was answered.
func (d *drill) firstSaved(phase int32) time.Time {
	var first time.Time
	for _, e := range d.ledger.all() {
		if e.phase == phase && e.ok() && (first.IsZero() || e.done.Before(first)) {
			first = e.done
		}
	}
	return first
}

func (l *ledger) all() []entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]entry(nil), l.entries...)
}

// writerOf is the writer part of a tag "drill-<writer>-<n>".
func writerOf(tag string) string { return tag[:strings.LastIndexByte(tag, '-')] }

// drill is the app under test with its private cluster and the state the
// writers share.
type drill struct {
	t        *testing.T
	app      *apptest.App
	cluster  *db.Cluster
	base     string
	entityID int64
	jewel    int64 // the crown jewel the scenario writer creates scenarios for
	ledger   ledger
	phase    atomic.Int32
	notSaved string // the 503 page's sentences as HTML, to classify answers
	unknown  string
}

// TestDatabaseFaultDrill runs the real app on a private PostgreSQL cluster,
// drives concurrent writes through HTTP as signed-in users (requirement
// edits, risk scenario creates and edits, incident timeline entries,
// evidence uploads), stops PostgreSQL with `pg_ctl stop -m immediate`
// midway, keeps writing, starts it again and writes on. Every write answered
// 2xx/3xx must be in the database, every write the 503 page called unsaved
// must be absent, no write may be half there (a mutation without its audit
// row or the reverse, an evidence item without its version), and the audit
// chains must verify. During the outage /readyz and pages answer 503; after
// the restart the same app process serves again.
func TestDatabaseFaultDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and crashes a PostgreSQL cluster")
	}
	begin := time.Now()
	d := startDrill(t)
	ctx := context.Background()
	entityID := d.app.SeedDemo(t)
	t.Logf("%.1fs: private cluster started, migrated, demo seeded; writers start", time.Since(begin).Seconds())
	d.base, d.entityID = "/e/"+strconv.FormatInt(entityID, 10), entityID
	writers := d.prepareWriters(ctx, entityID)
	prober := d.app.LoginDemo(t, authz.SecurityOfficer) // signed in before the outage

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				w.write(d, fmt.Sprintf("drill-%s-%d", w.name, n))
				time.Sleep(40 * time.Millisecond) // no busy loop of instant failures during the outage
			}
		}()
	}
	stopWriters := func() { close(stop); wg.Wait() }
	start := time.Now()

	if !d.waitForWrites(before, 2, len(writers), 60*time.Second) {
		stopWriters()
		t.Fatalf("writers did not get going: %v", d.ledger.okCount(before))
	}
	crashAt := time.Now()
	d.phase.Store(outage)
	if err := d.cluster.Crash(ctx); err != nil {
		stopWriters()
		t.Fatalf("pg_ctl stop -m immediate: %v", err)
	}
	t.Logf("writers +%.1fs: PostgreSQL stopped (-m immediate) after %d writes", time.Since(start).Seconds(), len(d.ledger.all()))
	d.checkOutagePages(prober)
	t.Logf("writers +%.1fs: outage pages checked", time.Since(start).Seconds())
	time.Sleep(time.Until(crashAt.Add(3 * time.Second))) // the writers keep writing into the outage
	startCalled := time.Now()
	if err := d.cluster.Start(ctx); err != nil {
		stopWriters()
		t.Fatalf("restart PostgreSQL: %v", err)
	}
	restartedAt := time.Now()
	d.phase.Store(after)
	t.Logf("writers +%.1fs: PostgreSQL started again after %.1fs down; starting it (crash recovery included) took %.1fs",
		time.Since(start).Seconds(), restartedAt.Sub(crashAt).Seconds(), restartedAt.Sub(startCalled).Seconds())
	ready := d.waitReady(60 * time.Second)
	caughtUp := d.waitForWrites(after, 3, len(writers), 60*time.Second)
	stopWriters()
	if ready < 0 {
		t.Fatalf("/readyz never answered 200 again after the restart")
	}
	if !caughtUp {
		t.Fatalf("writes did not succeed again after the restart: %v", d.ledger.okCount(after))
	}
	t.Logf("/readyz 200 again %dms after pg_ctl start returned; first write saved %dms after it",
		ready.Milliseconds(), d.firstSaved(after).Sub(restartedAt).Milliseconds())
	d.report()
	// The test's own (owner) pool sat mostly idle through the crash, unlike
	// the app's: connections it still holds from before are dead.
	d.app.Pool.Reset()
	d.checkLedger(ctx, entityID)
	d.checkAuditChains(ctx)
}

// startDrill starts a private cluster (as the app does without a server:
// initdb and pg_ctl, as user postgres when run as root), migrates it and runs
// the app on it.
func startDrill(t *testing.T) *drill {
	t.Helper()
	ctx := context.Background()
	parent := t.TempDir()
	for _, dir := range []string{filepath.Dir(parent), parent} { // the postgres user must reach it
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cluster, err := db.NewCluster(filepath.Join(parent, "postgres"))
	if err != nil {
		t.Fatalf("server binaries: %v", err)
	}
	if err := cluster.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Stop() })
	conn, err := db.EnsureDatabase(ctx, cluster.AdminConnString(), "weerbaar")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := db.NewPool(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := db.MigrateUp(pool); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := catalogue.Sync(ctx, pool); err != nil {
		t.Fatalf("catalogue: %v", err)
	}
	return &drill{t: t, app: apptest.StartWithPool(t, pool, apptest.Options{}), cluster: cluster,
		notSaved: apptest.HTML(t, i18n.NL, "error.503.not_saved"), unknown: apptest.HTML(t, i18n.NL, "error.503.unknown")}
}

// writer is one goroutine's stream of writes of one kind, with its own
// signed-in browser.
type writer struct {
	name   string
	client *apptest.Client
	write  func(d *drill, tag string)
}

// prepareWriters signs the users in and sets up what they write to: two
// requirements, a draft risk analysis with a jewel of its own, an incident.
func (d *drill) prepareWriters(ctx context.Context, entityID int64) []*writer {
	t := d.t
	var incidentID int64
	if err := d.app.Pool.QueryRow(ctx, `SELECT id FROM incidents WHERE entity_id = $1 ORDER BY id LIMIT 1`, entityID).Scan(&incidentID); err != nil {
		t.Fatalf("demo incident: %v", err)
	}
	rows, err := d.app.Pool.Query(ctx, `SELECT requirement_code, version FROM entity_requirements
		WHERE entity_id = $1 AND applicable ORDER BY requirement_code LIMIT 2`, entityID)
	if err != nil {
		t.Fatal(err)
	}
	type req struct {
		code    string
		version int
	}
	var reqs []req
	for rows.Next() {
		var r req
		if err := rows.Scan(&r.code, &r.version); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, r)
	}
	if rows.Err() != nil || len(reqs) != 2 {
		t.Fatalf("demo requirements: %v %d", rows.Err(), len(reqs))
	}

	var ws []*writer
	roles := []authz.Role{authz.SecurityOfficer, authz.Admin}
	login := func(i int) *apptest.Client { return d.app.LoginDemo(t, roles[i%2]) }
	for i, r := range reqs {
		w := &writer{name: "req" + strconv.Itoa(i), client: login(i)}
		w.write = func(d *drill, tag string) { d.writeRequirement(w.client, r.code, &r.version, tag) }
		ws = append(ws, w)
	}
	sw := &writer{name: "risk", client: login(0)}
	analysis, jewel := d.draftAnalysis(sw.client)
	d.jewel, _ = strconv.ParseInt(jewel, 10, 64)
	rs := &scenarioWriter{analysis: analysis, jewel: jewel}
	sw.write = func(d *drill, tag string) { rs.write(d, sw.client, tag) }
	ws = append(ws, sw)
	for i := range 2 {
		w := &writer{name: "timeline" + strconv.Itoa(i), client: login(i)}
		w.write = func(d *drill, tag string) {
			path := fmt.Sprintf("%s/incidents/%d/timeline", d.base, incidentID)
			d.post(w.client, entry{kind: "timeline", tag: tag, ref: strconv.FormatInt(incidentID, 10)}, path, url.Values{"entry": {tag}})
		}
		ws = append(ws, w)
	}
	for i := range 2 {
		w := &writer{name: "evidence" + strconv.Itoa(i), client: login(i)}
		code := reqs[i].code
		w.write = func(d *drill, tag string) { d.upload(w.client, code, tag) }
		ws = append(ws, w)
	}
	return ws
}

// draftAnalysis starts a new risk cycle (a draft, open to changes) and adds
// a crown jewel the scenario writer alone uses.
func (d *drill) draftAnalysis(c *apptest.Client) (analysis string, jewelID string) {
	t := d.t
	review := time.Now().AddDate(0, 6, 0).Format("2006-01-02")
	r := c.PostForm(t, d.base+"/risks", url.Values{"period": {"Drill"}, "review_date": {review}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new risk cycle: %d %s", r.StatusCode, r.Body)
	}
	analysis = r.Header.Get("Location")
	r = c.PostForm(t, analysis+"/jewels", url.Values{"name": {"Drill jewel"}, "level": {"system"},
		"availability": {"3"}, "integrity": {"3"}, "confidentiality": {"3"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new jewel: %d %s", r.StatusCode, r.Body)
	}
	return analysis, strings.TrimPrefix(r.Header.Get("Location"), d.base+"/risks/jewels/")
}

// scenarioWriter creates a scenario for each catalogue threat in turn and
// edits the last one it knows between creates.
type scenarioWriter struct {
	analysis, jewel string
	next            int    // index of the next catalogue threat to create a scenario for
	editID          string // a scenario this writer created, to edit
	editThreat      risk.CatalogueThreat
	version         int
	edit            bool
}

func (s *scenarioWriter) write(d *drill, c *apptest.Client, tag string) {
	threats := risk.Threats().Threats
	s.edit = !s.edit
	if (s.edit || s.next >= len(threats)) && s.editID != "" {
		th := s.editThreat
		form := url.Values{"jewel": {s.jewel}, "threat": {"c:" + th.Code}, "aspects": th.Aspects.Keys(),
			"likelihood": {"3"}, "impact": {"4"}, "description": {tag}, "version": {strconv.Itoa(s.version)}}
		e := d.post(c, entry{kind: "scenario_edit", tag: tag, ref: s.editID}, d.base+"/risks/scenarios/"+s.editID, form)
		switch {
		case e.ok():
			s.version++
		case e.status == http.StatusConflict:
			s.version = d.currentVersion(s.version, `SELECT version FROM risk_scenarios WHERE id = $1`, s.editID)
		}
		return
	}
	if s.next >= len(threats) {
		return
	}
	th := threats[s.next]
	s.next++ // a failed create may still have committed: never reuse its threat
	form := url.Values{"jewel": {s.jewel}, "threat": {"c:" + th.Code}, "aspects": th.Aspects.Keys(),
		"likelihood": {"2"}, "impact": {"2"}, "description": {tag}}
	if e := d.post(c, entry{kind: "scenario_create", tag: tag, ref: th.Code}, s.analysis+"/scenarios", form); !e.ok() {
		return
	}
	var id int64
	err := d.app.Pool.QueryRow(context.Background(), `SELECT id, version FROM risk_scenarios WHERE description = $1`, tag).Scan(&id, &s.version)
	if err == nil { // the database may be gone again already; then keep editing the previous one
		s.editID, s.editThreat = strconv.FormatInt(id, 10), th
	}
}

// currentVersion reads a record's version after a 409, or keeps old when the
// database does not answer.
func (d *drill) currentVersion(old int, sql string, args ...any) int {
	var v int
	if err := d.app.Pool.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		return old
	}
	return v
}

// writeRequirement edits a requirement's status and maturity through its
// form; after a 409 (a failed write that did commit moved the version on)
// the next write uses the current version.
func (d *drill) writeRequirement(c *apptest.Client, code string, version *int, tag string) {
	statuses := []string{"in_progress", "implemented"}
	n, _ := strconv.Atoi(tag[strings.LastIndexByte(tag, '-')+1:])
	form := url.Values{"version": {strconv.Itoa(*version)}, "applicable": {"true"}, "status": {statuses[n%2]},
		"maturity": {strconv.Itoa(1 + n%4)}, "owner": {""}, "due_date": {""}, "notes": {tag}, "justification": {""}}
	e := d.post(c, entry{kind: "requirement", tag: tag, ref: code}, d.base+"/requirements/"+code, form)
	switch {
	case e.ok():
		*version++
	case e.status == http.StatusConflict:
		*version = d.currentVersion(*version, `SELECT version FROM entity_requirements WHERE entity_id = $1 AND requirement_code = $2`, d.entityID, code)
	}
}

// upload attaches a small text file titled tag to a requirement.
func (d *drill) upload(c *apptest.Client, code, tag string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("title", tag)
	fw, _ := mw.CreateFormFile("file", tag+".txt")
	_, _ = fmt.Fprintf(fw, "Back-up test %s geslaagd\n", tag)
	_ = mw.Close()
	d.postBody(c, entry{kind: "evidence", tag: tag, ref: code}, d.base+"/evidence/attach/requirement/"+code, mw.FormDataContentType(), &b)
}

func (d *drill) post(c *apptest.Client, e entry, path string, form url.Values) entry {
	return d.postBody(c, e, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// postBody sends a form as a browser would and writes the answer into the
// ledger. It runs on the writers' goroutines, so it never fails the test.
func (d *drill) postBody(c *apptest.Client, e entry, path, contentType string, body io.Reader) entry {
	e.phase = d.phase.Load()
	req, err := http.NewRequest(http.MethodPost, d.app.URL(path), body)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Origin", d.app.HTTP.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	var text string
	if resp, err := c.HTTP.Do(req); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		e.status, text = resp.StatusCode, string(b)
	}
	if e.status == http.StatusServiceUnavailable {
		switch {
		case strings.Contains(text, d.unknown):
			e.page = "unknown"
		case strings.Contains(text, d.notSaved):
			e.page = "not_saved"
		}
	}
	e.done = time.Now()
	d.ledger.add(e)
	return e
}

// waitForWrites waits until each of n writers has at least min successful
// writes in phase.
func (d *drill) waitForWrites(phase int32, min, n int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		counts := d.ledger.okCount(phase)
		done := len(counts) == n
		for _, c := range counts {
			done = done && c >= min
		}
		if done {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// waitReady polls /readyz until it answers 200 and returns how long that
// took (negative: not within limit).
func (d *drill) waitReady(limit time.Duration) time.Duration {
	start := time.Now()
	c := d.app.Client()
	for time.Since(start) < limit {
		if resp, err := c.HTTP.Get(d.app.URL("/readyz")); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return -1
}

// checkOutagePages asks for /readyz, a page and a form post while
// PostgreSQL is down: each answers 503, the page and the post with the
// "try again" page (never the generic 500 page), the post saying that the
// change was not saved.
func (d *drill) checkOutagePages(c *apptest.Client) {
	t := d.t
	r := c.Get(t, "/readyz")
	if r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %d %q", r.StatusCode, r.Body)
	}
	page := c.Get(t, d.base+"/measures")
	d.checkTryAgain("page", page, apptest.HTML(t, i18n.NL, "error.503.body"))
	if !strings.Contains(page.Body, `href="`+d.base+`/measures"`) || !strings.Contains(page.Body, apptest.HTML(t, i18n.NL, "error.503.retry")) {
		t.Errorf("the outage page has no link to try again")
	}
	post := c.PostForm(t, d.base+"/requirements/5.1", url.Values{"version": {"1"}, "notes": {"kept in the browser"}})
	d.checkTryAgain("form post", post, apptest.HTML(t, i18n.NL, "error.503.not_saved"))
}

func (d *drill) checkTryAgain(what string, r apptest.Response, want string) {
	t := d.t
	switch {
	case r.StatusCode != http.StatusServiceUnavailable:
		t.Errorf("%s during the outage: status %d, want 503", what, r.StatusCode)
	case r.Header.Get("Retry-After") == "":
		t.Errorf("%s during the outage: no Retry-After", what)
	case !strings.Contains(r.Body, want):
		t.Errorf("%s during the outage: the page lacks %q", what, want)
	case strings.Contains(r.Body, apptest.HTML(t, i18n.NL, "error.500.title")):
		t.Errorf("%s during the outage: the generic 500 page", what)
	}
}

// report logs the ledger's numbers, for docs/operations.md.
func (d *drill) report() {
	counts := map[string]int{}
	for _, e := range d.ledger.all() {
		outcome := "ok"
		if !e.ok() {
			outcome = strconv.Itoa(e.status)
			if e.page != "" {
				outcome += " " + e.page
			}
		}
		counts[phaseNames[e.phase]+" "+outcome]++
		counts["kind "+e.kind]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %-28s %d", k, counts[k])
	}
	d.t.Logf("ledger: %d writes%s", len(d.ledger.all()), b.String())
}

// checkLedger compares the ledger with the database.
func (d *drill) checkLedger(ctx context.Context, entityID int64) {
	t := d.t
	pool := d.app.Pool
	for _, e := range d.ledger.all() {
		state, err := d.presence(ctx, e)
		if err != nil {
			t.Fatalf("look up %s %s: %v", e.kind, e.tag, err)
		}
		switch {
		case state != present && state != absent:
			t.Errorf("%s %s (answer %d, %s): half written: %s", e.kind, e.tag, e.status, phaseNames[e.phase], state)
		case e.ok() && state != present:
			t.Errorf("%s %s answered %d but is not in the database", e.kind, e.tag, e.status)
		case e.status == http.StatusServiceUnavailable && e.page == "not_saved" && state != absent:
			t.Errorf("%s %s: the 503 page said not saved, but it was", e.kind, e.tag)
		case !e.ok() && e.status != http.StatusServiceUnavailable && e.status != http.StatusConflict:
			t.Errorf("%s %s: unexpected answer %d (%s)", e.kind, e.tag, e.status, phaseNames[e.phase])
		case e.status == http.StatusServiceUnavailable && e.page == "":
			t.Errorf("%s %s: a 503 without the try-again sentence", e.kind, e.tag)
		}
	}
	// Per record: every version step has its audit row and no more.
	for _, q := range []struct{ what, sql string }{
		{"requirement", `SELECT r.requirement_code, r.version,
			(SELECT count(*) FROM audit_log a WHERE a.entity_id = r.entity_id AND a.action = 'requirement.updated' AND a.object_id = r.requirement_code)
			FROM entity_requirements r WHERE r.entity_id = $1`},
		{"scenario", `SELECT s.id::text, s.version - 1,
			(SELECT count(*) FROM audit_log a WHERE a.entity_id = s.entity_id AND a.action = 'risk_scenario.updated' AND a.object_id = s.id::text)
			FROM risk_scenarios s WHERE s.entity_id = $1 AND s.description LIKE 'drill-%'`},
	} {
		rows, err := pool.Query(ctx, q.sql, entityID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var ref string
			var version, audits int64
			if err := rows.Scan(&ref, &version, &audits); err != nil {
				t.Fatal(err)
			}
			if q.what == "requirement" && !d.wrote("requirement", ref) {
				continue // demo data, seeded without the form
			}
			if version != audits {
				t.Errorf("%s %s: version %d but %d audited updates", q.what, ref, version, audits)
			}
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
	}
}

func (d *drill) wrote(kind, ref string) bool {
	for _, e := range d.ledger.all() {
		if e.kind == kind && e.ref == ref {
			return true
		}
	}
	return false
}

// The states of a ledger entry's write in the database.
const (
	absent  = "absent"
	present = "present"
)

// presence says whether e's change and its audit row are in the database:
// present (both), absent (neither) or a description of what is half there.
func (d *drill) presence(ctx context.Context, e entry) (string, error) {
	pool, entityID, jewel := d.app.Pool, d.entityID, d.jewel
	exists := func(sql string, args ...any) bool {
		var found bool
		if err := pool.QueryRow(ctx, `SELECT EXISTS (`+sql+`)`, args...).Scan(&found); err != nil {
			panic(err) // recovered below: the database answers after the drill
		}
		return found
	}
	quoted := `"` + e.tag + `"` // as a JSON string: drill-x-1 is not drill-x-11
	auditRow := func(action, objectID string) bool {
		return exists(`SELECT 1 FROM audit_log WHERE entity_id = $1 AND action = $2
			AND ($3 = '' OR object_id = $3) AND strpos(changes::text, $4) > 0`, entityID, action, objectID, quoted)
	}
	both := func(change, audited bool, what string) string {
		switch {
		case change && audited:
			return present
		case !change && !audited:
			return absent
		case change:
			return what + " without its audit row"
		}
		return "an audit row without " + what
	}
	var state string
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		switch e.kind {
		case "requirement", "scenario_edit":
			// The text of each edit is in its audit row; the record keeps
			// only the last one. Version steps against audit rows are
			// counted per record (checkLedger).
			action := map[string]string{"requirement": "requirement.updated", "scenario_edit": "risk_scenario.updated"}[e.kind]
			state = absent
			if auditRow(action, e.ref) {
				state = present
			}
		case "scenario_create":
			scenario := exists(`SELECT 1 FROM risk_scenarios s JOIN risk_analyses an ON an.id = s.analysis_id
				WHERE s.entity_id = $1 AND s.threat_code = $2 AND s.jewel_id = $3`, entityID, e.ref, jewel)
			linked := exists(`SELECT 1 FROM risk_scenarios s JOIN audit_log a ON a.entity_id = s.entity_id
				AND a.action = 'risk_scenario.created' AND a.object_id = s.id::text
				WHERE s.entity_id = $1 AND s.threat_code = $2 AND s.jewel_id = $3 AND strpos(a.changes::text, $4) > 0`, entityID, e.ref, jewel, quoted)
			state = both(scenario, auditRow("risk_scenario.created", ""), "a scenario")
			if state == present && !linked {
				state = "a scenario whose creation row names another"
			}
		case "timeline":
			state = both(exists(`SELECT 1 FROM incident_timeline WHERE entity_id = $1 AND entry = $2`, entityID, e.tag),
				auditRow("incident.entry_added", e.ref), "a timeline entry")
		case "evidence":
			var items, versions int
			if err := pool.QueryRow(ctx, `SELECT count(DISTINCT i.id), count(v.id) FROM evidence_items i
				LEFT JOIN evidence_versions v ON v.item_id = i.id WHERE i.entity_id = $1 AND i.title = $2`, entityID, e.tag).Scan(&items, &versions); err != nil {
				return err
			}
			state = both(items > 0, auditRow("evidence.uploaded", ""), "an evidence item")
			if items > 0 && (items != 1 || versions != 1) {
				state = fmt.Sprintf("%d evidence items with %d versions", items, versions)
			}
		default:
			return fmt.Errorf("unknown kind %q", e.kind)
		}
		return nil
	}()
	return state, err
}

// checkAuditChains verifies every hash chain after the drill.
func (d *drill) checkAuditChains(ctx context.Context) {
	res, err := audit.Verify(ctx, d.app.Pool, 0, true)
	if err != nil {
		d.t.Fatalf("verify audit chains: %v", err)
	}
	if res.Broken != nil {
		d.t.Errorf("audit chain broken after the drill: %+v", *res.Broken)
	}
	d.t.Logf("audit chains verify: %d rows in %d chains", res.Rows, res.Chains)
}
