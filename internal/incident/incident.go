// Package incident keeps an entity's incidents (Art. 23 NIS2, Cbw art.
// 25–30): the facts, the significance checklist of Reg. 2024/2690, the
// append-only timeline and the reports owed to the CSIRT and the competent
// authority with the clock that says when each is due. The rules are pure
// (clock.go, significance.go); this file is the store. It knows nothing of
// HTTP.
package incident

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Conflict is returned when an incident changed after the form was opened;
// Current holds the saved version.
type Conflict struct{ Current Incident }

func (e *Conflict) Error() string { return "changed by someone else meanwhile" }

// Unwrap lets callers test for db.ErrConflict.
func (e *Conflict) Unwrap() error { return db.ErrConflict }

// Status is where the handling of an incident stands.
type Status string

// The statuses, in order.
const (
	StatusOpen      Status = "open"
	StatusContained Status = "contained"
	StatusResolved  Status = "resolved"
	StatusClosed    Status = "closed"
)

// Statuses lists the statuses in order.
var Statuses = []Status{StatusOpen, StatusContained, StatusResolved, StatusClosed}

// transitions are the allowed status changes; closed is final.
var transitions = map[Status][]Status{
	StatusOpen:      {StatusContained, StatusResolved},
	StatusContained: {StatusOpen, StatusResolved},
	StatusResolved:  {StatusOpen, StatusContained, StatusClosed},
}

// NextStatuses are the statuses an incident in s may move to.
func NextStatuses(s Status) []Status { return slices.Clone(transitions[s]) }

// Categories are the kinds of incident, in the form's order.
var Categories = []string{"ransomware", "malware", "phishing", "ddos", "unauthorised_access", "data_breach", "supplier",
	"outage", "physical", "other"}

// Incident is one incident of the entity with what the page needs around
// it: the handler's name, linked jewels and suppliers, the entity's
// turnover and scope (for the threshold and whether the Regulation binds)
// and the other incidents the recurrence rule looks at.
type Incident struct {
	ID                    int64     `db:"id"`
	EntityID              int64     `db:"entity_id"`
	Title                 string    `db:"title"`
	Description           string    `db:"description"`
	DetectedAt            time.Time `db:"detected_at"`
	AwareAt               time.Time `db:"aware_at"`
	Category              string    `db:"category"`
	Status                Status    `db:"status"`
	HandlerID             *int64    `db:"handler_id"`
	HandlerName           string    `db:"handler_name"`
	MemberStates          []string  `db:"member_states"`
	CrossBorder           bool      `db:"cross_border"`
	SuspectedMalicious    bool      `db:"suspected_malicious"`
	PersonalData          bool      `db:"personal_data"`
	TrustService          bool      `db:"trust_service"`
	RootCause             string    `db:"root_cause"`
	LossEUR               *int64    `db:"loss_eur"`
	TradeSecrets          Answer    `db:"trade_secrets"`
	Death                 Answer    `db:"death"`
	HealthDamage          Answer    `db:"health_damage"`
	MaliciousAccess       Answer    `db:"malicious_access"`
	OperationalDisruption Answer    `db:"operational_disruption"`
	PlannedMaintenance    bool      `db:"planned_maintenance"`
	// TypeAnswers are the answers to the entity-type criteria of
	// Art. 5–14 of Regulation 2024/2690 by code.
	TypeAnswers       map[string]Answer `db:"type_answers"`
	Significance      Outcome           `db:"significance"`
	Override          *string           `db:"override"`
	OverrideJudgement string            `db:"override_judgement"`
	ResolvedAt        *time.Time        `db:"resolved_at"`
	ClosedAt          *time.Time        `db:"closed_at"`
	// GDPRNotifiedAt is when the breach was notified to the Autoriteit
	// Persoonsgegevens (Art. 33 GDPR), GDPRRef its reference.
	GDPRNotifiedAt *time.Time `db:"gdpr_notified_at"`
	GDPRRef        string     `db:"gdpr_ref"`
	UpdatedBy      string     `db:"updated_by"`
	UpdatedAt      time.Time  `db:"updated_at"`
	Version        int        `db:"version"`
	JewelIDs       []int64    `db:"jewel_ids"`
	SupplierIDs    []int64    `db:"supplier_ids"`
	TurnoverEUR    *int64     `db:"turnover_eur"`
	ScopeClass     *string    `db:"scope_class"`
	Subsectors     []string   `db:"subsectors"`
	Others         []Other    `db:"others"`
	// Submissions are the reports' submissions per recipient (also the
	// voluntary ones), by stage and recipient.
	Submissions []Submission `db:"submissions"`
}

// Checklist is the incident's significance checklist.
func (i Incident) Checklist() Checklist {
	return Checklist{LossEUR: i.LossEUR, PlannedMaintenance: i.PlannedMaintenance, Answers: map[Criterion]Answer{
		CritTradeSecrets: i.TradeSecrets, CritDeath: i.Death, CritHealth: i.HealthDamage,
		CritMaliciousAccess: i.MaliciousAccess, CritDisruption: i.OperationalDisruption}, TypeAnswers: i.TypeAnswers}
}

// TypeGroups are the entity-type criteria (Art. 5–14 of Regulation
// 2024/2690) that apply: those of the subsectors for which the Regulation
// binds the entity, from its latest scope assessment (as loaded with the
// incident, so no extra query).
func (i Incident) TypeGroups() []TypeGroup {
	class := ""
	if i.ScopeClass != nil {
		class = *i.ScopeClass
	}
	return TypeGroupsFor(measure.RegulationBinds(i.ScopeClass != nil, class, i.Subsectors).Subsectors)
}

// Assessment applies the significance rules to the incident as loaded.
func (i Incident) Assessment() Assessment {
	return Assess(i.Checklist(), SignificanceFacts{TurnoverEUR: i.TurnoverEUR, AwareAt: i.AwareAt, RootCause: i.RootCause,
		Others: i.Others, TypeCriteria: CriteriaOf(i.TypeGroups())})
}

// Effective is the significance that counts: the officer's override, else
// the assessed result.
func (i Incident) Effective() Outcome {
	if i.Override != nil {
		return Outcome(*i.Override)
	}
	return i.Significance
}

// Handled reports whether handling has ended (resolved or closed).
func (i Incident) Handled() bool { return i.ResolvedAt != nil }

func (i Incident) fields() map[string]any {
	f := map[string]any{"title": i.Title, "description": i.Description, "detected_at": stamp(i.DetectedAt),
		"aware_at": stamp(i.AwareAt), "category": i.Category, "handler_id": idOrNil(i.HandlerID),
		"member_states": strings.Join(i.MemberStates, ", "), "cross_border": i.CrossBorder,
		"suspected_malicious": i.SuspectedMalicious, "personal_data": i.PersonalData, "trust_service": i.TrustService,
		"root_cause": i.RootCause, "jewels": idList(i.JewelIDs), "suppliers": idList(i.SupplierIDs)}
	return f
}

func (i Incident) significanceFields() map[string]any {
	f := map[string]any{"loss_eur": idOrNil(i.LossEUR), "trade_secrets": string(i.TradeSecrets), "death": string(i.Death),
		"health_damage": string(i.HealthDamage), "malicious_access": string(i.MaliciousAccess),
		"operational_disruption": string(i.OperationalDisruption), "planned_maintenance": i.PlannedMaintenance,
		"significance": string(i.Significance), "override": "", "override_judgement": i.OverrideJudgement,
		"type_answers": typeAnswersText(i.TypeAnswers)}
	if i.Override != nil {
		f["override"] = *i.Override
	}
	return f
}

// typeAnswersText writes the entity-type answers for the audit log,
// sorted by code: "art7_a: yes, art7_b: no".
func typeAnswersText(m map[string]Answer) string {
	codes := make([]string, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	parts := make([]string, len(codes))
	for k, c := range codes {
		parts[k] = c + ": " + string(m[c])
	}
	return strings.Join(parts, ", ")
}

func stamp(t time.Time) string { return t.In(i18n.Amsterdam).Format("2006-01-02 15:04") }

func idOrNil(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func idList(ids []int64) string {
	s := make([]string, len(ids))
	for k, id := range ids {
		s[k] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// incidentSelect reads incidents of @entity with their links, the entity's
// latest scope assessment and the candidates for the recurrence rule.
const incidentSelect = `SELECT i.id, i.entity_id, i.title, i.description, i.detected_at, i.aware_at, i.category, i.status, i.handler_id,
		coalesce(m.invited_name, h.name, '') AS handler_name, i.member_states, i.cross_border, i.suspected_malicious,
		i.personal_data, i.trust_service, i.root_cause, i.loss_eur, i.trade_secrets, i.death, i.health_damage,
		i.malicious_access, i.operational_disruption, i.planned_maintenance, i.type_answers, i.significance, i.override,
		i.override_judgement, i.resolved_at, i.closed_at, i.gdpr_notified_at, i.gdpr_ref, coalesce(u.name, '') AS updated_by, i.updated_at, i.version,
		ARRAY(SELECT jewel_id FROM incident_jewels WHERE incident_id = i.id ORDER BY jewel_id) AS jewel_ids,
		ARRAY(SELECT supplier_id FROM incident_suppliers WHERE incident_id = i.id ORDER BY supplier_id) AS supplier_ids,
		(coalesce(a.inputs->'TurnoverEUR', a.inputs->'turnover_eur'))::bigint AS turnover_eur, a.class AS scope_class,
		ARRAY(SELECT jsonb_array_elements_text(coalesce(a.inputs->'Subsectors', a.inputs->'subsectors', '[]'))) AS subsectors,
		(SELECT coalesce(json_agg(json_build_object('id', o.id, 'title', o.title, 'aware_at', o.aware_at,
			'root_cause', o.root_cause, 'loss_eur', o.loss_eur) ORDER BY o.aware_at, o.id), '[]')
		 FROM incidents o WHERE o.entity_id = i.entity_id AND o.id <> i.id AND o.root_cause <> ''
			AND o.aware_at BETWEEN i.aware_at - interval '6 months' AND i.aware_at) AS others,
		(SELECT coalesce(json_agg(json_build_object('id', s.id, 'stage', s.stage, 'report_id', s.report_id, 'recipient', s.recipient,
			'submitted_at', s.submitted_at, 'channel', s.channel, 'reference', s.reference, 'voluntary', s.voluntary,
			'updated_by', coalesce(su.name, ''), 'version', s.version) ORDER BY s.stage, s.report_id, s.recipient), '[]')
		 FROM incident_report_submissions s LEFT JOIN users su ON su.id = s.updated_by
		 WHERE s.entity_id = i.entity_id AND s.incident_id = i.id) AS submissions
	FROM incidents i
	LEFT JOIN users h ON h.id = i.handler_id
	LEFT JOIN memberships m ON m.entity_id = i.entity_id AND m.user_id = i.handler_id
	LEFT JOIN users u ON u.id = i.updated_by
	LEFT JOIN LATERAL (SELECT class, inputs FROM scope_assessments WHERE entity_id = i.entity_id
		ORDER BY created_at DESC, id DESC LIMIT 1) a ON true`

// Get loads one incident of the entity.
func Get(ctx context.Context, q db.Querier, entityID, id int64) (Incident, error) {
	return db.GetOne[Incident](ctx, q, fmt.Sprintf("load incident %d", id),
		incidentSelect+` WHERE i.entity_id = @entity AND i.id = @id`, pgx.StrictNamedArgs{"entity": entityID, "id": id})
}

// Summary is one row of the incident list.
type Summary struct {
	ID           int64
	Title        string
	Category     string
	Status       Status
	AwareAt      time.Time
	Significance Outcome
	HandlerName  string
	// NextDue is the earliest unsubmitted report's due time, NextStage its
	// stage; Overdue counts the unsubmitted reports past due.
	NextDue   *time.Time
	NextStage string
	Overdue   int
	// OnTime and Late count the reports submitted by and after their due
	// time: the reporting timeliness an auditor looks for.
	OnTime, Late int
}

// ListPageSize is the number of incidents on one page of the register.
const ListPageSize = 50

// Cursor is a keyset position in the register: the incident's aware time
// (in microseconds since 1970, PostgreSQL's precision) and its id. Its URL
// form is "<micros>.<id>".
type Cursor struct {
	AwareAt time.Time
	ID      int64
}

// String is the URL form of the cursor.
func (c Cursor) String() string {
	return strconv.FormatInt(c.AwareAt.UnixMicro(), 10) + "." + strconv.FormatInt(c.ID, 10)
}

// ParseCursor reads a cursor's URL form.
func ParseCursor(s string) (Cursor, bool) {
	k, id, ok := strings.Cut(s, ".")
	if !ok {
		return Cursor{}, false
	}
	micros, err1 := strconv.ParseInt(k, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	return Cursor{AwareAt: time.UnixMicro(micros).UTC(), ID: n}, err1 == nil && err2 == nil && n > 0
}

// ListQuery is one page of the register: the status filter ("" for all) and
// the position — after a row (the next page), before one (the previous
// page), the last page, or none of these (the first page).
type ListQuery struct {
	Status string
	After  *Cursor
	Before *Cursor
	Last   bool
	// All lists every incident on one page (the evidence package), not a
	// page of ListPageSize.
	All bool
}

// ListPage is one page of the register, newest first, and whether newer
// (HasPrev) or older (HasNext) incidents match beyond it.
type ListPage struct {
	Rows             []Summary
	HasPrev, HasNext bool
}

// Cursor is the row's keyset position.
func (s Summary) Cursor() Cursor { return Cursor{AwareAt: s.AwareAt, ID: s.ID} }

// List returns one page of the entity's incidents, newest (by the moment
// the entity became aware) first, positioned by keyset on (aware_at, id)
// over incidents_entity_aware_idx / incidents_entity_status_aware_idx, in
// one query: the report counts and next due report are read for the page's
// rows only. The reports owed across all incidents, nearest first, are
// OwedReports.
func List(ctx context.Context, q db.Querier, entityID int64, lq ListQuery, now time.Time) (ListPage, error) {
	limit := ListPageSize + 1
	if lq.All {
		limit, lq.After, lq.Before, lq.Last = math.MaxInt32, nil, nil, false
	}
	args := pgx.StrictNamedArgs{"entity": entityID, "status": lq.Status, "now": now, "limit": limit}
	where := ""
	backwards := lq.Before != nil || lq.Last
	if c := lq.After; c != nil {
		where = " AND (i.aware_at, i.id) < (@ck, @cid)"
		args["ck"], args["cid"] = c.AwareAt, c.ID
	} else if c := lq.Before; c != nil {
		where = " AND (i.aware_at, i.id) > (@ck, @cid)"
		args["ck"], args["cid"] = c.AwareAt, c.ID
	}
	order := " ORDER BY i.aware_at DESC, i.id DESC"
	if backwards {
		order = " ORDER BY i.aware_at ASC, i.id ASC"
	}
	rows, err := q.Query(ctx, `SELECT p.id, p.title, p.category, p.status, p.aware_at,
			coalesce(p.override, p.significance), coalesce(m.invited_name, h.name, ''), r.due_at, coalesce(r.stage, ''),
			c.overdue, c.on_time, c.late
		FROM (SELECT i.id, i.entity_id, i.title, i.category, i.status, i.aware_at, i.override, i.significance, i.handler_id
			FROM incidents i WHERE i.entity_id = @entity AND (@status = '' OR i.status = @status)`+where+order+` LIMIT @limit) p
		CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE o.submitted_at IS NULL AND o.due_at < @now)::int AS overdue,
			count(*) FILTER (WHERE o.submitted_at <= o.due_at OR (o.submitted_at IS NOT NULL AND o.due_at IS NULL))::int AS on_time,
			count(*) FILTER (WHERE o.submitted_at > o.due_at)::int AS late
			FROM incident_reports o WHERE o.incident_id = p.id) c
		LEFT JOIN users h ON h.id = p.handler_id
		LEFT JOIN memberships m ON m.entity_id = p.entity_id AND m.user_id = p.handler_id
		LEFT JOIN LATERAL (SELECT due_at, stage FROM incident_reports WHERE incident_id = p.id AND submitted_at IS NULL
			AND due_at IS NOT NULL ORDER BY due_at LIMIT 1) r ON true`+strings.ReplaceAll(order, "i.", "p."), args)
	if err != nil {
		return ListPage{}, fmt.Errorf("incidents of entity %d: %w", entityID, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Summary, error) {
		var s Summary
		err := row.Scan(&s.ID, &s.Title, &s.Category, &s.Status, &s.AwareAt, &s.Significance, &s.HandlerName,
			&s.NextDue, &s.NextStage, &s.Overdue, &s.OnTime, &s.Late)
		return s, err
	})
	if err != nil {
		return ListPage{}, fmt.Errorf("incidents of entity %d: %w", entityID, err)
	}
	more := len(list) > ListPageSize && !lq.All
	if more {
		list = list[:ListPageSize]
	}
	p := ListPage{Rows: list}
	if backwards {
		slices.Reverse(p.Rows)
		p.HasPrev, p.HasNext = more, lq.Before != nil
	} else {
		p.HasPrev, p.HasNext = lq.After != nil, more
	}
	return p, nil
}

// OwedReports lists the entity's reports still owed (DeadlinesColumn: the
// ten nearest, overdue first), so the register shows what is urgent
// whatever page its incidents are on.
func OwedReports(ctx context.Context, q db.Querier, entityID int64) ([]Deadline, error) {
	var raw []byte
	if err := q.QueryRow(ctx, `SELECT `+DeadlinesColumn, pgx.StrictNamedArgs{"entity": entityID}).Scan(&raw); err != nil {
		return nil, fmt.Errorf("owed reports of entity %d: %w", entityID, err)
	}
	return ParseDeadlines(raw)
}

// Input is the incident form as submitted. Times are Europe/Amsterdam
// wall clock as an <input type=datetime-local> sends them.
type Input struct {
	Title, Description    string
	DetectedAt, AwareAt   string
	Category, HandlerID   string
	MemberStates          []string
	CrossBorder           bool
	SuspectedMalicious    bool
	PersonalData          bool
	TrustService          bool
	RootCause             string
	JewelIDs, SupplierIDs []string
	Version               int
}

// FormInput is the saved incident as the form shows it.
func FormInput(i Incident) Input {
	in := Input{Title: i.Title, Description: i.Description, DetectedAt: LocalValue(i.DetectedAt), AwareAt: LocalValue(i.AwareAt),
		Category: i.Category, MemberStates: i.MemberStates, CrossBorder: i.CrossBorder, SuspectedMalicious: i.SuspectedMalicious,
		PersonalData: i.PersonalData, TrustService: i.TrustService, RootCause: i.RootCause, Version: i.Version}
	if i.HandlerID != nil {
		in.HandlerID = strconv.FormatInt(*i.HandlerID, 10)
	}
	for _, id := range i.JewelIDs {
		in.JewelIDs = append(in.JewelIDs, strconv.FormatInt(id, 10))
	}
	for _, id := range i.SupplierIDs {
		in.SupplierIDs = append(in.SupplierIDs, strconv.FormatInt(id, 10))
	}
	return in
}

// LocalValue formats t for an <input type=datetime-local> in Amsterdam.
func LocalValue(t time.Time) string { return t.In(i18n.Amsterdam).Format("2006-01-02T15:04") }

// ParseLocal reads an <input type=datetime-local> value as Amsterdam wall
// clock, in UTC. A wall-clock time skipped by the spring change reads as
// the instant an hour later (Go's rule); one repeated in autumn as the first.
func ParseLocal(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, i18n.Amsterdam); err == nil {
			if t.Year() < 2000 || t.Year() > 2200 {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// futureSlack is how far ahead of now a recorded time may lie (clock skew).
const futureSlack = 5 * time.Minute

// Options are the choices the form offers: the entity's members (handler)
// and the jewels and suppliers of the risk analysis that counts.
type Options struct {
	Members   []Option
	Jewels    []Option
	Suppliers []Option
}

// Option is one choice.
type Option struct {
	ID   int64
	Name string
}

// LoadOptions reads the form's choices in one query: accepted members, and
// the jewels and suppliers of the adopted analysis (else the newest).
func LoadOptions(ctx context.Context, q db.Querier, entityID int64) (Options, error) {
	rows, err := q.Query(ctx, `WITH a AS (SELECT id FROM risk_analyses WHERE entity_id = @entity
			ORDER BY (status = 'adopted') DESC, created_at DESC, id DESC LIMIT 1)
		SELECT 'member', m.user_id, coalesce(m.invited_name, u.name) FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.entity_id = @entity AND m.accepted_at IS NOT NULL
		UNION ALL SELECT 'jewel', j.id, j.name FROM risk_jewels j WHERE j.entity_id = @entity AND j.analysis_id = (SELECT id FROM a)
		UNION ALL SELECT 'supplier', s.id, s.name FROM risk_suppliers s WHERE s.entity_id = @entity AND s.analysis_id = (SELECT id FROM a)
		ORDER BY 1, 3, 2`, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return Options{}, fmt.Errorf("incident options of entity %d: %w", entityID, err)
	}
	var o Options
	var kind string
	var opt Option
	_, err = pgx.ForEachRow(rows, []any{&kind, &opt.ID, &opt.Name}, func() error {
		switch kind {
		case "member":
			o.Members = append(o.Members, opt)
		case "jewel":
			o.Jewels = append(o.Jewels, opt)
		default:
			o.Suppliers = append(o.Suppliers, opt)
		}
		return nil
	})
	return o, err
}

func has(opts []Option, id int64) bool {
	return slices.ContainsFunc(opts, func(o Option) bool { return o.ID == id })
}

// parse validates the form against the options; jewels and suppliers
// already linked stay valid even when they are no longer in the analysis
// that counts.
func (in Input) parse(o Options, cur Incident, now time.Time) (Incident, error) {
	errs := validate.Errors{}
	p := cur
	p.Title, p.Description, p.RootCause = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description), strings.TrimSpace(in.RootCause)
	if p.Title == "" || len([]rune(p.Title)) > 200 {
		errs.Add("title", "incident.error.title")
	}
	if len([]rune(p.Description)) > 5000 {
		errs.Add("description", "validate.too_long")
	}
	if len([]rune(p.RootCause)) > 500 {
		errs.Add("root_cause", "validate.too_long")
	}
	var okDetected, okAware bool
	p.DetectedAt, okDetected = ParseLocal(in.DetectedAt)
	if !okDetected {
		errs.Add("detected_at", "incident.error.time")
	} else if p.DetectedAt.After(now.Add(futureSlack)) {
		errs.Add("detected_at", "incident.error.future")
	}
	p.AwareAt, okAware = ParseLocal(in.AwareAt)
	if !okAware {
		errs.Add("aware_at", "incident.error.time")
	} else if p.AwareAt.After(now.Add(futureSlack)) {
		errs.Add("aware_at", "incident.error.future")
	} else if okDetected && p.AwareAt.Before(p.DetectedAt) {
		errs.Add("aware_at", "incident.error.aware_before_detected")
	}
	p.Category = in.Category
	if !slices.Contains(Categories, in.Category) {
		errs.Add("category", "validate.choice")
	}
	p.HandlerID = nil
	if v := strings.TrimSpace(in.HandlerID); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || !has(o.Members, id) {
			errs.Add("handler_id", "validate.choice")
		} else {
			p.HandlerID = &id
		}
	}
	p.MemberStates = nil
	for _, code := range in.MemberStates {
		if _, ok := entity.LookupMemberState(code); !ok {
			errs.Add("member_states", "validate.choice")
			break
		}
		if !slices.Contains(p.MemberStates, code) {
			p.MemberStates = append(p.MemberStates, code)
		}
	}
	slices.Sort(p.MemberStates)
	if p.MemberStates == nil {
		p.MemberStates = []string{}
	}
	p.CrossBorder, p.SuspectedMalicious, p.PersonalData, p.TrustService = in.CrossBorder, in.SuspectedMalicious, in.PersonalData, in.TrustService
	links := func(field string, values []string, opts []Option, kept []int64) []int64 {
		ids := []int64{}
		for _, v := range values {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || (!has(opts, id) && !slices.Contains(kept, id)) {
				errs.Add(field, "validate.choice")
				return nil
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		return ids
	}
	p.JewelIDs = links("jewels", in.JewelIDs, o.Jewels, cur.JewelIDs)
	p.SupplierIDs = links("suppliers", in.SupplierIDs, o.Suppliers, cur.SupplierIDs)
	return p, errs.Err()
}

// Save creates (id 0) or updates an incident's facts after a version
// check, re-assesses its significance and keeps its reports' due times in
// step, audit-logged in the same transaction.
func Save(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, in Input, now time.Time) (int64, error) {
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		opts, err := LoadOptions(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		var cur Incident
		if id != 0 {
			if cur, err = Get(ctx, tx, actor.EntityID, id); err != nil {
				return err
			}
			if cur.Version != in.Version {
				return &Conflict{Current: cur}
			}
		}
		p, err := in.parse(opts, cur, now)
		if err != nil {
			return err
		}
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "title": p.Title, "description": p.Description,
			"detected": p.DetectedAt, "aware": p.AwareAt, "category": p.Category, "handler": p.HandlerID,
			"states": p.MemberStates, "cross": p.CrossBorder, "malicious": p.SuspectedMalicious, "personal": p.PersonalData,
			"trust": p.TrustService, "cause": p.RootCause, "actor": actor.UserID}
		if id == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO incidents (entity_id, title, description, detected_at, aware_at, category,
					handler_id, member_states, cross_border, suspected_malicious, personal_data, trust_service, root_cause,
					created_by, updated_by)
				VALUES (@entity, @title, @description, @detected, @aware, @category, @handler, @states, @cross, @malicious,
					@personal, @trust, @cause, @actor, @actor) RETURNING id`, args).Scan(&id)
		} else {
			args["id"], args["version"] = id, in.Version
			var tag interface{ RowsAffected() int64 }
			tag, err = tx.Exec(ctx, `UPDATE incidents SET title = @title, description = @description, detected_at = @detected,
					aware_at = @aware, category = @category, handler_id = @handler, member_states = @states,
					cross_border = @cross, suspected_malicious = @malicious, personal_data = @personal,
					trust_service = @trust, root_cause = @cause, updated_by = @actor, updated_at = now(), version = version + 1
				WHERE entity_id = @entity AND id = @id AND version = @version`, args)
			if err == nil && tag.RowsAffected() == 0 {
				return &Conflict{Current: cur}
			}
		}
		if err != nil {
			return fmt.Errorf("save incident: %w", db.MapError(err))
		}
		for _, l := range []struct {
			table, column string
			ids           []int64
		}{{"incident_jewels", "jewel_id", p.JewelIDs}, {"incident_suppliers", "supplier_id", p.SupplierIDs}} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+l.table+` WHERE entity_id = @entity AND incident_id = @id`,
				pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id}); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO `+l.table+` (entity_id, incident_id, `+l.column+`)
				SELECT @entity, @id, unnest(@ids::bigint[])`, pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id, "ids": l.ids}); err != nil {
				return err
			}
		}
		saved, err := reassess(ctx, tx, actor, id, now)
		if err != nil {
			return err
		}
		ev := audit.Event{EntityID: actor.EntityID, Action: "incident.created", ObjectType: "incident",
			ObjectID: strconv.FormatInt(id, 10), After: saved.fields()}
		if cur.ID != 0 {
			ev.Action = "incident.updated"
			ev.Before, ev.After = audit.Diff(cur.fields(), saved.fields())
		}
		return audit.Record(ctx, tx, ev)
	})
	return id, err
}

// reassess stores the assessed significance of incident id and brings its
// reports in step; it returns the incident as saved.
func reassess(ctx context.Context, tx pgx.Tx, actor authz.Actor, id int64, now time.Time) (Incident, error) {
	inc, err := Get(ctx, tx, actor.EntityID, id)
	if err != nil {
		return inc, err
	}
	a := inc.Assessment()
	reasons, err := json.Marshal(a.Reasons)
	if err != nil {
		return inc, err
	}
	if _, err := tx.Exec(ctx, `UPDATE incidents SET significance = @sig, significance_reasons = @reasons
		WHERE entity_id = @entity AND id = @id`, pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id,
		"sig": string(a.Outcome), "reasons": reasons}); err != nil {
		return inc, err
	}
	inc.Significance = a.Outcome
	return inc, syncReports(ctx, tx, inc, now)
}

// SignificanceInput is the significance checklist form.
type SignificanceInput struct {
	LossEUR string
	Answers map[Criterion]string
	// TypeAnswers are the entity-type criteria answered, by code (form
	// fields "type_<code>").
	TypeAnswers        map[string]string
	PlannedMaintenance bool
	Override           string
	OverrideJudgement  string
	Version            int
}

// SignificanceForm is the saved checklist as the form shows it.
func SignificanceForm(i Incident) SignificanceInput {
	in := SignificanceInput{PlannedMaintenance: i.PlannedMaintenance, OverrideJudgement: i.OverrideJudgement, Version: i.Version,
		Answers: map[Criterion]string{}, TypeAnswers: map[string]string{}}
	for c, a := range i.TypeAnswers {
		in.TypeAnswers[c] = string(a)
	}
	if i.LossEUR != nil {
		in.LossEUR = strconv.FormatInt(*i.LossEUR, 10)
	}
	for c, a := range i.Checklist().Answers {
		in.Answers[c] = string(a)
	}
	if i.Override != nil {
		in.Override = *i.Override
	}
	return in
}

// ParseEUR reads a whole number of euros, allowing "." or " " as
// thousands separators and a leading "€".
func ParseEUR(s string) (int64, bool) {
	s = strings.NewReplacer("€", "", " ", "", ".", "", "\u00a0", "").Replace(strings.TrimSpace(s))
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0 && n < 1_000_000_000_000
}

// significanceValues is a SignificanceInput checked on its own; the
// entity-type answers are checked against the incident (typeAnswers).
type significanceValues struct {
	loss      *int64
	answers   map[Criterion]Answer
	override  *string
	judgement string
}

// parse validates the checklist form: the loss in whole euros, an answer
// per criterion (unknown when not given), an override only with a
// judgement.
func (in SignificanceInput) parse() (significanceValues, error) {
	errs := validate.Errors{}
	var loss *int64
	if v := strings.TrimSpace(in.LossEUR); v != "" {
		n, ok := ParseEUR(v)
		if !ok {
			errs.Add("loss_eur", "incident.error.eur")
		}
		loss = &n
	}
	answers := map[Criterion]Answer{}
	for _, c := range Criteria {
		a := Answer(in.Answers[c])
		if a == "" {
			a = Unknown
		}
		if a != Yes && a != No && a != Unknown {
			errs.Add(string(c), "validate.choice")
		}
		answers[c] = a
	}
	for code, v := range in.TypeAnswers {
		if a := Answer(v); a != "" && a != Yes && a != No && a != Unknown {
			errs.Add("type_"+code, "validate.choice")
		}
	}
	var override *string
	judgement := strings.TrimSpace(in.OverrideJudgement)
	switch in.Override {
	case "":
		judgement = ""
	case string(Significant), string(NotSignificant):
		o := in.Override
		override = &o
		if judgement == "" {
			errs.Add("override_judgement", "incident.error.judgement")
		}
	default:
		errs.Add("override", "validate.choice")
	}
	if len([]rune(judgement)) > 2000 {
		errs.Add("override_judgement", "validate.too_long")
	}
	return significanceValues{loss: loss, answers: answers, override: override, judgement: judgement}, errs.Err()
}

// SaveSignificance stores the checklist, the assessed result and any
// override (which needs a judgement), version-checked and audit-logged;
// the reports follow the significance that counts.
func SaveSignificance(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, in SignificanceInput, now time.Time) error {
	v, err := in.parse()
	if err != nil {
		return err
	}
	loss, answers, override, judgement := v.loss, v.answers, v.override, v.judgement
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := Get(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		types, err := typeAnswers(cur, in.TypeAnswers)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE incidents SET loss_eur = @loss, trade_secrets = @secrets, death = @death,
				health_damage = @health, malicious_access = @access, operational_disruption = @disruption,
				type_answers = @types, planned_maintenance = @planned, override = @override, override_judgement = @judgement,
				updated_by = @actor, updated_at = now(), version = version + 1
			WHERE entity_id = @entity AND id = @id AND version = @version`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id, "version": in.Version, "loss": loss,
				"secrets": string(answers[CritTradeSecrets]), "death": string(answers[CritDeath]),
				"health": string(answers[CritHealth]), "access": string(answers[CritMaliciousAccess]),
				"disruption": string(answers[CritDisruption]), "types": types, "planned": in.PlannedMaintenance, "override": override,
				"judgement": judgement, "actor": actor.UserID})
		if err != nil {
			return fmt.Errorf("save significance: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return &Conflict{Current: cur}
		}
		saved, err := reassess(ctx, tx, actor, id, now)
		if err != nil {
			return err
		}
		before, after := audit.Diff(cur.significanceFields(), saved.significanceFields())
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "incident.significance_assessed",
			ObjectType: "incident", ObjectID: strconv.FormatInt(id, 10), Before: before,
			After: mergeName(after, saved.Title)})
	})
}

// typeAnswers checks the entity-type answers against the criteria that
// apply to the entity (a code that does not apply is refused: the form
// never offers it) and returns every applicable code's answer, unknown when
// not given.
func typeAnswers(cur Incident, given map[string]string) (map[string]Answer, error) {
	applicable := CriteriaOf(cur.TypeGroups())
	out := make(map[string]Answer, len(applicable))
	for _, c := range applicable {
		a := Answer(given[c.Code])
		if a == "" {
			a = Unknown
		}
		out[c.Code] = a
	}
	for code := range given {
		if _, ok := out[code]; !ok {
			return nil, validate.Field("type_answers", "incident.error.type_criterion")
		}
	}
	return out, nil
}

// mergeName adds the incident's title so the audit log can name it.
func mergeName(m map[string]any, title string) map[string]any {
	if m == nil {
		m = map[string]any{}
	}
	m["title"] = title
	return m
}

// ChangeStatus moves an incident to another status, version-checked: the
// time handling ended is recorded when it is resolved (cleared when it is
// reopened), and the change becomes a timeline entry.
func ChangeStatus(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, to Status, note string, version int, now time.Time) error {
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 2000 {
		return validate.Field("note", "validate.too_long")
	}
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := Get(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return &Conflict{Current: cur}
		}
		if !slices.Contains(transitions[cur.Status], to) {
			return validate.Field("status", "incident.error.transition")
		}
		resolved, closed := cur.ResolvedAt, cur.ClosedAt
		switch to {
		case StatusResolved:
			if resolved == nil {
				resolved = &now
			}
		case StatusClosed:
			closed = &now
		default:
			resolved = nil
		}
		tag, err := tx.Exec(ctx, `UPDATE incidents SET status = @to, resolved_at = @resolved, closed_at = @closed,
				updated_by = @actor, updated_at = now(), version = version + 1
			WHERE entity_id = @entity AND id = @id AND version = @version`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id, "version": version, "to": string(to),
				"resolved": resolved, "closed": closed, "actor": actor.UserID})
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &Conflict{Current: cur}
		}
		if _, err := insertEntry(ctx, tx, actor, id, now, "status:"+string(cur.Status)+":"+string(to), note, nil); err != nil {
			return err
		}
		saved, err := Get(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		if err := syncReports(ctx, tx, saved, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "incident.status_changed",
			ObjectType: "incident", ObjectID: strconv.FormatInt(id, 10),
			Before: map[string]any{"status": string(cur.Status)},
			After:  map[string]any{"status": string(to), "note": note, "title": cur.Title}})
	})
}

// ErrNotSubmittable is returned for a report that is already submitted or
// not owed.
var ErrNotSubmittable = errors.New("the report cannot be marked submitted")
