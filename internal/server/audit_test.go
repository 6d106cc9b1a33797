package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// TestEveryMutationWritesOneAuditRow performs each change through the UI and
// checks that exactly one audit row with the expected action was appended.
func TestEveryMutationWritesOneAuditRow(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	admin := a.LoginDemo(t, authz.Admin)
	off := a.LoginDemo(t, authz.SecurityOfficer)
	auditorID := strconv.FormatInt(userID(t, a, demo.Accounts[3].Email), 10)

	var last int64
	latest := func() (int64, string, int64, string) {
		var rowID, entityID int64
		var action, ip string
		err := a.Pool.QueryRow(context.Background(),
			`SELECT id, coalesce(entity_id, 0), action, ip FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&rowID, &entityID, &action, &ip)
		if err != nil {
			t.Fatal(err)
		}
		return rowID, action, entityID, ip
	}
	count := func() int64 {
		var n int64
		if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	last = count()
	steps := []struct {
		name, action string
		onEntity     bool
		do           func() apptest.Response
	}{
		{"login", "user.login", false, func() apptest.Response {
			return a.Client().PostForm(t, "/login", url.Values{"email": {officer.Email}, "password": {demo.Password}})
		}},
		{"failed login", "user.login_failed", false, func() apptest.Response {
			return a.Client().PostForm(t, "/login", url.Values{"email": {officer.Email}, "password": {"wrong password!!"}})
		}},
		{"failed login, unknown user", "user.login_failed", false, func() apptest.Response {
			return a.Client().PostForm(t, "/login", url.Values{"email": {"ghost@example.nl"}, "password": {"wrong password!!"}})
		}},
		{"language", "user.language_changed", false, func() apptest.Response {
			return off.PostForm(t, "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		}},
		{"invite", "membership.invited", true, func() apptest.Response {
			return admin.PostForm(t, base+"/users", url.Values{"email": {"new@demo.weerbaar.test"}, "name": {"Nieuw"}, "role": {"auditor"}})
		}},
		{"role change", "membership.role_changed", true, func() apptest.Response {
			return admin.PostForm(t, base+"/users/"+auditorID+"/role", url.Values{"role": {"board_member"}})
		}},
		{"disable", "user.disabled", true, func() apptest.Response {
			return admin.PostForm(t, base+"/users/"+auditorID+"/disable", url.Values{"disabled": {"true"}})
		}},
		{"enable", "user.enabled", true, func() apptest.Response {
			return admin.PostForm(t, base+"/users/"+auditorID+"/disable", url.Values{"disabled": {"false"}})
		}},
		{"remove", "membership.removed", true, func() apptest.Response {
			return admin.PostForm(t, base+"/users/"+auditorID+"/remove", nil)
		}},
		{"risk proposal", "proportion.factors_from_risk", true, func() apptest.Response {
			var version int
			var analysis int64
			if err := a.Pool.QueryRow(context.Background(), `SELECT (SELECT version FROM proportion_factors WHERE entity_id = $1),
				(SELECT min(id) FROM risk_analyses WHERE entity_id = $1 AND status = 'adopted')`, id).Scan(&version, &analysis); err != nil {
				t.Fatal(err)
			}
			// The demo's proposal (risk.TestProposeTable "demo analysis").
			return off.PostForm(t, base+"/proportionality/from-risk", url.Values{"version": {strconv.Itoa(version)},
				"analysis_id": {strconv.FormatInt(analysis, 10)}, "likelihood": {"3"}, "impact": {"5"}})
		}},
		{"password change", "user.password_changed", false, func() apptest.Response {
			return off.PostForm(t, "/account/password", url.Values{"password": {demo.Password}, "new_password": {"a much better passphrase"}, "confirm": {"a much better passphrase"}})
		}},
		{"e-mail change", "user.email_changed", false, func() apptest.Response {
			return off.PostForm(t, "/account/email", url.Values{"password": {"a much better passphrase"}, "email": {"sanne@demo.weerbaar.test"}})
		}},
		// last but one: once MFA is required, the officer must enrol first
		{"settings", "entity.settings_changed", true, func() apptest.Response {
			return admin.PostForm(t, base+"/settings", url.Values{"mfa_required": {"true"}})
		}},
		{"logout", "user.logout", false, func() apptest.Response { return off.PostForm(t, "/logout", nil) }},
	}
	for _, st := range steps {
		resp := st.do()
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusForbidden {
			t.Fatalf("%s: status %d", st.name, resp.StatusCode)
		}
		n := count()
		if n != last+1 {
			t.Errorf("%s: %d audit rows written, want exactly 1", st.name, n-last)
		}
		last = n
		_, action, entityID, ip := latest()
		if action != st.action {
			t.Errorf("%s: last action %q, want %q", st.name, action, st.action)
		}
		if st.onEntity && entityID != id {
			t.Errorf("%s: written on chain %d, want the entity's chain %d", st.name, entityID, id)
		}
		if !strings.HasPrefix(ip, "127.0.0.1") {
			t.Errorf("%s: ip %q not recorded", st.name, ip)
		}
	}
	res, err := audit.Verify(context.Background(), a.Pool, 0, true)
	if err != nil || res.Broken != nil {
		t.Fatalf("chains after all changes: %+v %v", res.Broken, err)
	}
	// A page that only reads writes nothing.
	before := count()
	admin.Get(t, base+"/audit")
	admin.Get(t, base+"/users")
	if after := count(); after != before {
		t.Errorf("reading pages wrote %d audit rows", after-before)
	}
}

func TestAuditLogPage(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	auditor := a.LoginDemo(t, authz.Auditor)
	page := auditor.Get(t, base+"/audit")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, trStem(t, "audit.chain.ok")) || !strings.Contains(page.Body, `data-action="`) {
		t.Fatalf("audit page: %d %s", page.StatusCode, page.Body)
	}
	// The demo's first rows (its accounts) are further back than page 1.
	if members := auditor.Get(t, base+"/audit?action=membership.added"); !strings.Contains(members.Body, `data-action="membership.added"`) ||
		!strings.Contains(members.Body, tr(t, "audit.action.membership.added")) {
		t.Fatalf("audit page filtered on membership.added: %s", members.Body)
	}
	filtered := auditor.Get(t, base+"/audit?action=entity.created")
	if !strings.Contains(filtered.Body, `data-action="entity.created"`) || strings.Contains(filtered.Body, `data-action="membership.added"`) {
		t.Errorf("action filter not applied")
	}
	if bad := auditor.Get(t, base+"/audit?from=gisteren"); bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `value="gisteren"`) {
		t.Errorf("bad date: %d, input not kept", bad.StatusCode)
	}
	// Tamper with a row as superuser: the page names the broken row.
	ctx := context.Background()
	for _, q := range []string{
		`ALTER TABLE audit_log DISABLE TRIGGER USER`,
		`UPDATE audit_log SET action = 'membership.nothing_to_see' WHERE entity_id = ` + strconv.FormatInt(id, 10) + ` AND seq = 2`,
		`ALTER TABLE audit_log ENABLE TRIGGER USER`,
	} {
		if _, err := a.Pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// The views re-hash only the rows after the verified point (the head
	// at the first view): the full run, periodic in the server and `audit
	// verify`, finds the row, and from then on the page names it.
	if before := auditor.Get(t, base+"/audit"); !strings.Contains(before.Body, `data-verified="checkpointed"`) {
		t.Fatalf("second view did not verify from the point: %s", before.Body)
	}
	full, err := audit.Verify(ctx, a.Pool, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.RecordVerified(ctx, a.Pool, full); err != nil {
		t.Fatal(err)
	}
	broken := auditor.Get(t, base+"/audit")
	if !strings.Contains(broken.Body, trStem(t, "audit.chain.broken")+"2") {
		t.Fatalf("tampering not shown: %s", broken.Body)
	}
}

// TestAuditLogPageVerifiesFromThePoint: the page re-hashes only the rows
// after the chain's verified point, says so, moves the point forward, and
// shows a row changed after the point as broken.
func TestAuditLogPageVerifiesFromThePoint(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	auditor := a.LoginDemo(t, authz.Auditor)
	ctx := context.Background()
	point := func() (seq int64) {
		t.Helper()
		if err := a.Pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM audit_verified WHERE chain = $1`, id).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		return seq
	}
	var head int64
	if err := a.Pool.QueryRow(ctx, `SELECT max(seq) FROM audit_log WHERE entity_id = $1`, id).Scan(&head); err != nil {
		t.Fatal(err)
	}
	if first := auditor.Get(t, base+"/audit"); !strings.Contains(first.Body, `data-verified="full"`) || point() != head {
		t.Fatalf("first view: point %d, want %d; %s", point(), head, first.Body)
	}
	// A change through the UI appends rows after the point.
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	change := func(status, maturity string) {
		t.Helper()
		form := requirementForm(requirementVersion(t, a, id, "7"), status, maturity)
		if r := officer.PostForm(t, base+"/requirements/7", form); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("requirement change: %d", r.StatusCode)
		}
	}
	change("in_progress", "2")
	var newest int64
	if err := a.Pool.QueryRow(ctx, `SELECT max(seq) FROM audit_log WHERE entity_id = $1`, id).Scan(&newest); err != nil || newest <= head {
		t.Fatalf("no row appended: %d %v", newest, err)
	}
	second := auditor.Get(t, base+"/audit")
	if !strings.Contains(second.Body, `data-verified="checkpointed"`) || !strings.Contains(second.Body, strconv.FormatInt(head, 10)) || point() != newest {
		t.Fatalf("second view: point %d, want %d; %s", point(), newest, second.Body)
	}
	change("implemented", "3")
	for _, q := range []string{
		`ALTER TABLE audit_log DISABLE TRIGGER USER`,
		`UPDATE audit_log SET action = 'requirement.nothing_to_see' WHERE entity_id = ` + strconv.FormatInt(id, 10) + ` AND seq > ` + strconv.FormatInt(newest, 10),
		`ALTER TABLE audit_log ENABLE TRIGGER USER`,
	} {
		if _, err := a.Pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	broken := auditor.Get(t, base+"/audit")
	if !strings.Contains(broken.Body, trStem(t, "audit.chain.broken")+strconv.FormatInt(newest+1, 10)) || point() != newest {
		t.Fatalf("tampering after the point: point %d; %s", point(), broken.Body)
	}
}

// TestAuditLogPageShowsCheckpoint: the page shows the last checkpoint of
// the chain heads and whether the entity's chain still matches it; rows cut
// from the end of the chain by a superuser show as missing.
func TestAuditLogPageShowsCheckpoint(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	auditor := a.LoginDemo(t, authz.Auditor)
	if page := auditor.Get(t, base+"/audit"); !strings.Contains(page.Body, `data-checkpoint="none"`) ||
		!strings.Contains(page.Body, tr(t, "audit.checkpoint.none")) {
		t.Fatalf("no checkpoint yet: %s", page.Body)
	}
	ctx := context.Background()
	written, err := a.Server.Checkpoints.Write(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head, ok := written.Head(id)
	if !ok || head.Seq < 5 {
		t.Fatalf("checkpoint %+v lacks the demo's chain", written)
	}
	at := i18n.DateTime(i18n.WithLang(ctx, i18n.NL), written.CreatedAt)
	page := auditor.Get(t, base+"/audit")
	if !strings.Contains(page.Body, `data-checkpoint="ok"`) || !strings.Contains(page.Body, tr(t, "audit.checkpoint.last", at, head.Seq)) ||
		!strings.Contains(page.Body, tr(t, "audit.checkpoint.matches")) || !strings.Contains(page.Body, trStem(t, "audit.chain.ok")) {
		t.Fatalf("checkpoint not shown as matching: %s", page.Body)
	}
	// The checkpoint is the last line of a file, not a query: the page keeps
	// its budget with it.
	if _, n := auditor.GetCountingQueries(t, base+"/audit"); n > 8 {
		t.Errorf("audit page with a checkpoint: %d queries", n)
	}

	if _, err := a.Pool.Exec(ctx, `BEGIN; SET LOCAL session_replication_role = replica;
		DELETE FROM audit_log WHERE entity_id = `+strconv.FormatInt(id, 10)+` AND seq > `+strconv.FormatInt(head.Seq-3, 10)+`; COMMIT`); err != nil {
		t.Fatal(err)
	}
	cut := auditor.Get(t, base+"/audit")
	if !strings.Contains(cut.Body, `data-checkpoint="cut"`) || !strings.Contains(cut.Body, tr(t, "audit.checkpoint.cut", head.Seq-3, head.Seq)) ||
		!strings.Contains(cut.Body, tr(t, "audit.checkpoint.differs")) || strings.Contains(cut.Body, trStem(t, "audit.chain.ok")) {
		t.Fatalf("cut tail not shown: %s", cut.Body)
	}
	// A chain broken in the middle is not said to match or differ: the page
	// names the broken row.
	if _, err := a.Pool.Exec(ctx, `BEGIN; SET LOCAL session_replication_role = replica;
		UPDATE audit_log SET action = 'x' WHERE entity_id = `+strconv.FormatInt(id, 10)+` AND seq = 2; COMMIT`); err != nil {
		t.Fatal(err)
	}
	broken := auditor.Get(t, base+"/audit")
	if !strings.Contains(broken.Body, `data-checkpoint="unknown"`) || !strings.Contains(broken.Body, trStem(t, "audit.chain.broken")+"2") ||
		strings.Contains(broken.Body, tr(t, "audit.checkpoint.matches")) {
		t.Fatalf("broken chain with a checkpoint: %s", broken.Body)
	}
}
