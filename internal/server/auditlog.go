package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/scope"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/components"
	"github.com/weerbaar/weerbaar/web/pages/auditlog"
)

// auditLog shows the entity's audit trail with the chain status, filtered and
// paginated on the server.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	q := r.URL.Query()
	p := auditlog.Props{
		Shell: s.shell(r, "audit.title", "audit"), Base: entityBase(actor.EntityID),
		Actor: q.Get("actor"), Action: q.Get("action"), ObjectType: q.Get("object"), From: q.Get("from"), To: q.Get("to"),
	}
	f := audit.Filter{EntityID: actor.EntityID, Actor: p.Actor, Action: p.Action, ObjectType: p.ObjectType,
		Last: q.Get("page") == "last"}
	for name, dst := range map[string]*int64{"after": &f.After, "before": &f.Before} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				s.errorPage(w, r, http.StatusBadRequest)
				return
			}
			*dst = n
		}
	}
	errs := validate.Errors{}
	var err error
	if f.From, err = parseDay(p.From, 0); err != nil {
		errs.Add("from", "validate.date")
	}
	if f.To, err = parseDay(p.To, 1); err != nil { // "to" includes that whole day
		errs.Add("to", "validate.date")
	}
	p.Errors = errs
	status := http.StatusOK
	if len(errs) > 0 {
		status, f.From, f.To = http.StatusUnprocessableEntity, time.Time{}, time.Time{}
	}
	page, err := audit.List(ctx, s.Pool, f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rows := page.Rows
	actions, err := audit.Actions(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	last, hasCheckpoint := s.lastCheckpoint()
	var anchors audit.Anchors
	if hasCheckpoint {
		anchors = audit.NewAnchors(last)
	}
	res, err := audit.VerifyFrom(ctx, s.Pool, actor.EntityID, anchors)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.recordVerified(ctx, res)
	p.ChainOK, p.ChainRows = res.Broken == nil, int(res.Length())
	if res.From > 0 {
		p.ChainFrom, p.ChainFullAt = res.From, i18n.DateTime(ctx, res.FullAt)
	}
	if res.Broken != nil {
		p.BrokenSeq, p.BrokenWhy = res.Broken.Seq, res.Broken.Reason
	}
	if hasCheckpoint {
		head, _ := last.Head(actor.EntityID)
		p.Checkpoint = &auditlog.Checkpoint{At: i18n.DateTime(ctx, last.CreatedAt), Seq: head.Seq}
		if len(res.Cuts) > 0 {
			p.Checkpoint.Cut, p.Checkpoint.Kept = true, res.Cuts[0].Kept
		}
	}
	if !f.Filtered() {
		// The unfiltered list is the whole chain: its length is the head's
		// seq the verification just read, so nothing counts the rows.
		p.Total = p.ChainRows
	}
	p.Pager = auditPager(p, f, page)
	names := map[int64]string{}
	for _, row := range rows {
		for id, name := range row.Names {
			if n, err := strconv.ParseInt(id, 10, 64); err == nil {
				names[n] = name
			}
		}
	}
	t := auditText{ctx: ctx, names: names}
	for _, a := range actions {
		p.Actions = append(p.Actions, components.Option{Value: a, Label: t.actionLabel(a)})
	}
	for _, listed := range rows {
		row := listed.Row
		before, after, err := row.BeforeAfter()
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Rows = append(p.Rows, auditlog.Row{
			Seq: row.Seq, At: row.At, Action: row.Action, Actor: t.actor(row), ActorEmail: personEmail(row.ActorEmail), ActionLabel: t.actionLabel(row.Action),
			Sentence: t.sentence(row, before, after), IP: row.IP, UserAgent: row.UserAgent, Changes: t.changes(row, before, after),
		})
	}
	s.render(w, r, status, auditlog.Page(p))
}

// auditPager links the audit log's pages by keyset on seq, keeping the
// filters. A position past the end (no rows) links back to the first page.
func auditPager(p auditlog.Props, f audit.Filter, page audit.ListPage) components.PagerProps {
	link := func(extra ...string) string {
		v := url.Values{}
		for k, val := range map[string]string{"actor": p.Actor, "action": p.Action, "object": p.ObjectType, "from": p.From, "to": p.To} {
			if val != "" {
				v.Set(k, val)
			}
		}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		if len(v) == 0 {
			return p.Base + "/audit"
		}
		return p.Base + "/audit?" + v.Encode()
	}
	var out components.PagerProps
	rows := page.Rows
	if len(rows) == 0 {
		if f.After > 0 || f.Before > 0 || f.Last {
			out.First = link()
		}
		return out
	}
	seq := func(r audit.Listed) string { return strconv.FormatInt(r.Seq, 10) }
	if page.HasPrev {
		out.First = link()
		out.Prev = link("before", seq(rows[0]))
	}
	if page.HasNext {
		out.Next = link("after", seq(rows[len(rows)-1]))
		out.Last = link("page", "last")
	}
	return out
}

// recordVerified moves the chain's verified point forward after a view
// verified it. A GET must not fail on it: an error is logged only (the next
// view re-hashes those rows again).
func (s *Server) recordVerified(ctx context.Context, res audit.VerifyResult) {
	if err := audit.RecordVerified(ctx, s.Pool, res); err != nil {
		s.Logger.Warn("record the verified audit point", "err", err.Error())
	}
}

// lastCheckpoint reads the last signed checkpoint from the checkpoint file
// (a file, not a query). A file that cannot be read is logged and the page
// shows no checkpoint rather than failing.
func (s *Server) lastCheckpoint() (audit.Checkpoint, bool) {
	if s.Checkpoints == nil {
		return audit.Checkpoint{}, false
	}
	last, ok, err := audit.LastCheckpoint(s.Checkpoints.Path, s.Checkpoints.PublicKey())
	if err != nil {
		s.Logger.Error("read audit checkpoints", "path", s.Checkpoints.Path, "err", err.Error())
		return audit.Checkpoint{}, false
	}
	return last, ok
}

// personEmail is the actor's address when it is one (not a tool's name such
// as "seed-demo").
func personEmail(s string) string {
	if strings.Contains(s, "@") {
		return s
	}
	return ""
}

// parseDay reads a yyyy-mm-dd date as midnight in Europe/Amsterdam, plus
// addDays; empty is the zero time (no bound).
func parseDay(s string, addDays int) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, i18n.Amsterdam)
	if err != nil {
		return time.Time{}, err
	}
	return t.AddDate(0, 0, addDays), nil
}

// auditText turns audit rows into sentences in the reader's language: the
// action's label, "Sanne Visser wijzigde eis 2.3", one line per changed field
// with its label and translated values, and people's names instead of user
// ids. Names come with the rows (audit.List) or from one lookup for all
// rows (audit.UserNames), never a query per row.
type auditText struct {
	ctx   context.Context
	names map[int64]string
}

// auditActionKeys are the actions the catalogue has labels and sentences for;
// any other action reads as "another change" rather than its key.
var auditActionKeys = map[string]bool{
	"entity.created": true, "entity.settings_changed": true, "membership.added": true, "membership.role_changed": true,
	"membership.removed": true, "membership.invited": true, "membership.accepted": true, "membership.declined": true,
	"user.enabled": true, "user.disabled": true, "scope.assessed": true,
	"registration.updated": true, "registration.submitted": true, "requirement.updated": true, "measure.updated": true,
	"proportion.factors_changed": true, "proportion.sensitivity_changed": true, "proportion.factors_from_risk": true, "evidence.uploaded": true,
	"evidence.version_added": true, "evidence.link_added": true, "evidence.deleted": true,
	"evidence.reviewed": true, "evidence.validity_set": true,
	"catalogue.adopted": true, "measure.considerations_changed": true, "point.updated": true,
	"risk_analysis.created": true, "risk_analysis.updated": true, "risk_analysis.status_changed": true, "risk_method.saved": true, "risk_jewel.created": true, "risk_jewel.updated": true, "risk_jewel.imported": true, "risk_supplier.created": true, "risk_supplier.updated": true, "risk_threat.created": true, "risk_threat.updated": true, "risk_scenario.created": true, "risk_scenario.updated": true,
	"risk_scenario.controls_saved": true, "risk_scenario.treated": true, "risk_scenario.acceptance_requested": true, "risk_mitigation.created": true,
	"training.record_created": true, "training.record_changed": true, "training.record_deleted": true, "training.appointment_set": true,
	"risk_jewel.deleted": true, "risk_supplier.deleted": true, "risk_scenario.deleted": true, "risk_threat.deleted": true,
	"risk_mitigation.updated": true, "risk_mitigation.done": true, "risk_mitigation.reopened": true, "risk_mitigation.deleted": true,
	"approval.submitted": true, "approval.withdrawn": true, "approval.decided": true, "approval.approved": true, "approval.rejected": true,
	"approval.settings_changed": true, "risk_scenario.accepted_by_board": true,
	"board_report.generated": true, "board_report.discussed": true,
	"incident.created": true, "incident.updated": true, "incident.significance_assessed": true, "incident.status_changed": true,
	"incident.entry_added": true, "incident.entry_corrected": true, "incident.report_submitted": true, "incident.report_requested": true,
	"incident.review_saved": true, "incident.action_added": true, "incident.action_done": true,
	"incident.action_changed": true, "incident.action_deleted": true,
	"incident.submission_recorded": true, "incident.gdpr_notified": true,
	"response_plan.saved": true, "playbook.adopted": true, "playbook.saved": true,
	"exercise.created": true, "exercise.updated": true, "exercise.action_added": true, "exercise.action_done": true,
	"package.requested": true, "package.downloaded": true,
}

// auditFieldOrder is the order change lines are listed in: the order of the
// forms they come from. Unlisted fields follow in name order.
var auditFieldOrder = []string{
	"applicable", "justification", "maturity", "maturity_override", "override_reason", "status", "status_override", "status_reason", "owner_id", "due_date", "notes",
	"legal_name", "kvk", "street", "postcode", "city", "country", "postal_address", "contact_name", "contact_email",
	"contact_phone", "ip_ranges", "subsectors", "member_states", "authority", "csirt", "info_sharing", "info_sharing_details",
	"main_establishment", "other_establishments", "eu_representative",
	"reference", "submitted_on", "name", "email", "role", "pending", "disabled", "account_created", "link_issued", "mfa_required", "slug",
	"exposure", "size", "likelihood", "impact", "class", "rationale", "set", "source_analysis", "employees", "turnover_eur", "balance_eur",
	"engine_version", "title", "target", "url", "description", "kind", "version", "filename", "content_type", "file_size",
	"sha256", "version_id", "deleted", "catalogue_edition", "state", "state_of_art", "cost_level", "adopted_target", "target_reason",
	"period", "review_date", "method_version", "jewels", "scenarios", "copied_from", "note", "matrix", "tolerance", "level", "availability", "integrity", "confidentiality", "rto_hours", "rpo_hours", "suppliers", "depends_on", "service", "certifications", "certification_expiry", "last_assessed", "assessment_result", "jewel_id", "threat", "clause_incident", "clause_audit", "clause_vulnerability", "clause_subcontracting", "clause_exit",
	"controls", "residual_likelihood", "residual_impact", "residual_level", "treatment", "acceptance", "scenario_id", "requirement", "done_on",
	"user_id", "course", "provider", "topics", "started_on", "completed_on", "certified", "valid_until", "appointed_on",
	"jewel", "threat_name", "mitigations", "dependents",
	"report_day", "readiness", "risks_above", "discussed_on", "minutes_ref",
	"likelihood_1", "likelihood_2", "likelihood_3", "likelihood_4", "likelihood_5", "impact_1", "impact_2", "impact_3", "impact_4", "impact_5",
	"subject", "snapshot_hash", "required", "eligible", "cover_note", "decision", "comment", "reauth", "quorum", "min_approvals", "reject_at_first",
	"detected_at", "aware_at", "category", "handler_id", "cross_border", "suspected_malicious", "personal_data", "trust_service", "root_cause", "loss_eur", "trade_secrets", "death", "health_damage", "malicious_access", "operational_disruption", "type_answers", "planned_maintenance", "significance", "override", "override_judgement", "occurred_at", "entry", "corrects", "entry_id", "stage", "submitted_at", "recipients", "proof_ref", "summary", "due_at", "requested_at", "requested_by",
	"lessons", "review_completed", "action_title",
	"recipient", "channel", "voluntary", "gdpr_notified_at", "gdpr_ref",
	"review_state", "review_comment",
	"contacts", "escalation", "comm_internal", "comm_recipients", "comm_press", "playbook",
	"section_detect", "section_contain", "section_recover", "section_report", "section_communicate", "section_lessons",
	"held_on", "exercise_kind", "scenario", "participants",
	"lang",
}

// auditUserIDs lists the user ids that rows mention: actors, members (object
// ids of membership and user rows) and owners, so one query names them all
// (the export; the page gets the names with its rows from audit.List).
func auditUserIDs(rows []audit.Row) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	add := func(id int64) {
		if id > 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, r := range rows {
		if r.ActorID != nil {
			add(*r.ActorID)
		}
		if r.ObjectType == "membership" || r.ObjectType == "user" {
			id, _ := strconv.ParseInt(r.ObjectID, 10, 64)
			add(id)
		}
		before, after, err := r.BeforeAfter()
		if err != nil {
			continue
		}
		for _, side := range []map[string]any{before, after} {
			if v, ok := side["owner_id"]; ok {
				id, _ := strconv.ParseInt(fmt.Sprint(v), 10, 64)
				add(id)
			}
		}
	}
	return ids
}

// actionLabel is the action as the filter and the page name it.
func (t auditText) actionLabel(action string) string {
	if auditActionKeys[action] {
		return i18n.T(t.ctx, "audit.action."+action)
	}
	return i18n.T(t.ctx, "audit.action.other")
}

// actor names who did it: the person's name, else the recorded address.
func (t auditText) actor(r audit.Row) string {
	if r.ActorID != nil {
		if n, ok := t.names[*r.ActorID]; ok && n != "" {
			return n
		}
	}
	if r.ActorEmail != "" && r.ActorEmail != "seed-demo" {
		return r.ActorEmail
	}
	return i18n.T(t.ctx, "audit.actor.system")
}

// object names what it was done to, as the sentence needs it.
func (t auditText) object(r audit.Row, before, after map[string]any) string {
	switch r.ObjectType {
	case "membership":
		// The name the inviting admin typed, as recorded: an invitation must
		// not show the entity the account's own name (it may belong to
		// someone the entity does not know yet).
		for _, side := range []map[string]any{after, before} {
			if v, ok := side["name"].(string); ok && v != "" {
				return v
			}
		}
		return t.user(r.ObjectID, before, after)
	case "user":
		return t.user(r.ObjectID, before, after)
	case "evidence":
		for _, side := range []map[string]any{after, before} {
			if v, ok := side["title"].(string); ok && v != "" {
				return v
			}
		}
		return "#" + r.ObjectID
	case "entity":
		if v, ok := after["name"].(string); ok {
			return v
		}
	case "board_appointment":
		return t.user(r.ObjectID, before, after)
	case "exercise":
		for _, side := range []map[string]any{after, before} {
			if v, ok := side["scenario"].(string); ok && v != "" {
				return shortLabel(v, 80)
			}
		}
		return "#" + r.ObjectID
	case "response_plan":
		return i18n.T(t.ctx, "plan.title")
	case "playbook":
		return i18n.T(t.ctx, "playbook.title."+r.ObjectID)
	case "risk_analysis", "risk_jewel", "risk_supplier", "risk_threat", "risk_scenario", "risk_mitigation", "training_record", "board_report", "incident":
		// A deleted scenario is named by its jewel and threat as recorded.
		if jewel, ok := before["jewel"].(string); ok && r.ObjectType == "risk_scenario" && after == nil {
			threat, _ := before["threat_name"].(string)
			if code, found := strings.CutPrefix(fmt.Sprint(before["threat"]), "c:"); found {
				threat = code
				if th, ok := risk.Threats().Threat(code); ok {
					threat = th.Name.In(t.ctx)
				}
			}
			return jewel + " × " + threat
		}
		// Named by what the row recorded (a change records only the changed
		// fields), else by number.
		for _, side := range []map[string]any{after, before} {
			for _, field := range []string{"name", "title", "course", "period"} {
				if v, ok := side[field].(string); ok && v != "" {
					return v
				}
			}
		}
		return "#" + r.ObjectID
	}
	return r.ObjectID
}

func (t auditText) user(id string, before, after map[string]any) string {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		if name, ok := t.names[n]; ok && name != "" {
			return name
		}
	}
	for _, side := range []map[string]any{after, before} {
		if v, ok := side["email"].(string); ok && v != "" {
			return v
		}
	}
	return i18n.T(t.ctx, "audit.value.unknown_user")
}

// sentence is the row's main line, e.g. "Sanne Visser wijzigde eis 2.3".
func (t auditText) sentence(r audit.Row, before, after map[string]any) string {
	key := "audit.sentence.other"
	if auditActionKeys[r.Action] {
		key = "audit.sentence." + r.Action
	}
	return i18n.T(t.ctx, key, t.actor(r), t.object(r, before, after))
}

// changes lists each changed field as "volwassenheid van 1 naar 3".
func (t auditText) changes(r audit.Row, before, after map[string]any) []string {
	fields := map[string]bool{}
	for k := range before {
		fields[k] = true
	}
	for k := range after {
		fields[k] = true
	}
	var names []string
	for _, k := range auditFieldOrder {
		if fields[k] {
			names = append(names, k)
			delete(fields, k)
		}
	}
	rest := make([]string, 0, len(fields))
	for k := range fields {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	names = append(names, rest...)
	var out []string
	for _, k := range names {
		// An incident's title names the object in the sentence; it is a
		// change only when the facts were recorded or edited.
		if k == "title" && r.ObjectType == "incident" && r.Action != "incident.created" && r.Action != "incident.updated" {
			continue
		}
		// Likewise an exercise's scenario on its follow-up actions' rows.
		if k == "scenario" && r.ObjectType == "exercise" && r.Action != "exercise.created" && r.Action != "exercise.updated" {
			continue
		}
		label := t.fieldLabel(r, k)
		b, hasB := before[k]
		a, hasA := after[k]
		switch {
		case hasB && hasA:
			out = append(out, i18n.T(t.ctx, "audit.change.from_to", label, t.value(r, k, b), t.value(r, k, a)))
		case hasA:
			out = append(out, i18n.T(t.ctx, "audit.change.set", label, t.value(r, k, a)))
		default:
			out = append(out, i18n.T(t.ctx, "audit.change.was", label, t.value(r, k, b)))
		}
	}
	return out
}

// fieldLabel is the field's name in the catalogue; "size" of evidence is a
// file size, not the organisation's size.
func (t auditText) fieldLabel(r audit.Row, field string) string {
	if field == "size" && r.ObjectType == "evidence" {
		field = "file_size"
	}
	if !slices.Contains(auditFieldOrder, field) {
		field = "other"
	}
	return i18n.T(t.ctx, "audit.field."+field)
}

// value is a recorded value as a reader understands it: translated enums,
// names for user ids, yes/no, numbers in the locale's format.
func (t auditText) value(r audit.Row, field string, v any) string {
	ctx := t.ctx
	if v == nil {
		return i18n.T(ctx, "audit.value.empty")
	}
	str := fmt.Sprint(v)
	switch x := v.(type) {
	case bool:
		if x {
			return i18n.T(ctx, "audit.value.yes")
		}
		return i18n.T(ctx, "audit.value.no")
	case json.Number:
		if n, err := x.Int64(); err == nil {
			switch {
			case field == "size" && r.ObjectType == "evidence":
				return i18n.Int(ctx, n) + " B"
			case field == "turnover_eur" || field == "balance_eur":
				return i18n.Money(ctx, n*100)
			case field == "owner_id" || field == "handler_id":
				return t.user(str, nil, nil)
			case field == "loss_eur":
				return i18n.Money(ctx, n*100)
			case field == "version_id":
				return str
			}
			return i18n.Int(ctx, n)
		}
		if f, err := x.Float64(); err == nil {
			return i18n.DecimalTrim(ctx, f, 3)
		}
		return str
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, t.value(r, field, e))
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	if str == "" {
		if field == "maturity_override" {
			return i18n.T(ctx, "audit.value.derived")
		}
		if field == "adopted_target" {
			return i18n.T(ctx, "measures.adopted_target.none")
		}
		return i18n.T(ctx, "audit.value.empty")
	}
	if r.ObjectType == "approval_request" || r.ObjectType == "approval_settings" {
		switch field {
		case "state":
			return i18n.T(ctx, "approval.state."+str)
		case "decision":
			return i18n.T(ctx, "approval.decision."+str)
		case "reauth":
			return i18n.T(ctx, "approval.reauth."+str)
		case "quorum":
			return i18n.T(ctx, "approval.quorum."+str)
		case "kind":
			return kindLabel(ctx, str)
		}
	}
	switch field {
	case "contacts":
		// "role: name, phone" as recorded by the response plan.
		if role, rest, ok := strings.Cut(str, ": "); ok && slices.Contains(incident.ContactRoles, role) {
			return i18n.T(ctx, "plan.role."+role) + ": " + rest
		}
	case "playbook":
		if str != "" {
			return i18n.T(ctx, "playbook.title."+str)
		}
	case "exercise_kind":
		return i18n.T(ctx, "exercise.kind."+str)
	}
	if r.ObjectType == "incident" {
		switch field {
		case "status", "category", "stage":
			return i18n.T(ctx, "incident."+field+"."+str)
		case "trade_secrets", "death", "health_damage", "malicious_access", "operational_disruption":
			return i18n.T(ctx, "incident.answer."+str)
		case "significance", "override":
			return i18n.T(ctx, "incident.outcome."+str)
		case "channel":
			return i18n.T(ctx, "incident.draft.channel."+str)
		}
	}
	if r.ObjectType == "evidence" && field == "review_state" {
		return i18n.T(ctx, "evidence.badge."+str)
	}
	switch field {
	case "acceptance":
		return i18n.T(ctx, "approval.value.acceptance."+str)
	case "owner_id":
		return t.user(str, nil, nil)
	case "status":
		return i18n.T(ctx, "status."+str)
	case "role":
		return i18n.T(ctx, "role."+str)
	case "class":
		return i18n.T(ctx, "scope.class."+str)
	case "cost_level":
		return i18n.T(ctx, "cost."+str)
	case "size":
		return i18n.T(ctx, "scope.size."+str)
	case "subsectors":
		return subsectorNames(ctx, str)
	case "submitted_on", "due_date", "report_day", "discussed_on", "valid_until":
		if d, err := time.ParseInLocation("2006-01-02", str, i18n.Amsterdam); err == nil {
			return i18n.Date(ctx, d)
		}
	case "target":
		kind, code, _ := strings.Cut(str, ":")
		if kind == "requirement" || kind == "measure" {
			return i18n.T(ctx, "audit.value."+kind, code)
		}
	}
	return str
}

// subsectorNames turns "drinking_water,energy.electricity" into names.
func subsectorNames(ctx context.Context, codes string) string {
	var out []string
	for _, c := range strings.Split(codes, ",") {
		c = strings.TrimSpace(c)
		if sub, ok := scope.LookupSubsector(c); ok {
			out = append(out, sub.Name.In(ctx))
		} else if c != "" {
			out = append(out, c)
		}
	}
	return strings.Join(out, ", ")
}
