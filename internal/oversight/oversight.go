// Package oversight keeps the board's oversight reports ("bestuursrapportage",
// art. 20 lid 1 NIS2: the management body oversees the implementation of
// the measures). Generate freezes the data of one day — readiness per
// measure against target, residual risks above tolerance, acceptances that
// end, overdue actions, the board's training — with what changed since the
// previous report (Diff, pure); RecordDiscussion records that the board
// discussed it and where the minutes are, which is oversight evidence (the
// minutes attach as evidence of subject type board_report). It knows
// nothing of HTTP.
package oversight

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/training"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// AcceptanceHorizon is how many days ahead a report lists acceptances that
// end (expired ones are always listed).
const AcceptanceHorizon = 90

// MaxRisks caps the residual risks above tolerance a report lists (the
// count says how many there are in all).
const MaxRisks = 200

// Conflict is returned when a report's discussion was recorded by someone
// else after the form was opened; Current holds the saved version.
type Conflict struct{ Current Report }

func (e *Conflict) Error() string { return "changed by someone else meanwhile" }

// Unwrap lets callers test for db.ErrConflict.
func (e *Conflict) Unwrap() error { return db.ErrConflict }

// Summary is a report as the list shows it (without its content).
type Summary struct {
	ID          int64      `db:"id"`
	Title       string     `db:"title"`
	Day         time.Time  `db:"report_day"`
	GeneratedAt time.Time  `db:"generated_at"`
	GeneratedBy string     `db:"generated_by"`
	Readiness   int        `db:"readiness"`
	Above       int        `db:"above"`
	DiscussedOn *time.Time `db:"discussed_on"`
	MinutesRef  string     `db:"minutes_ref"`
	Version     int        `db:"version"`
}

// Report is one stored report with its frozen content.
type Report struct {
	ID          int64      `db:"id"`
	Title       string     `db:"title"`
	Day         time.Time  `db:"report_day"`
	GeneratedAt time.Time  `db:"generated_at"`
	GeneratedBy string     `db:"generated_by"`
	Content     Content    `db:"content"`
	DiscussedOn *time.Time `db:"discussed_on"`
	MinutesRef  string     `db:"minutes_ref"`
	DiscussedBy string     `db:"discussed_by"`
	DiscussedAt *time.Time `db:"discussed_recorded_at"`
	Version     int        `db:"version"`
}

func (r Report) discussion() map[string]any {
	return map[string]any{"discussed_on": dateString(r.DiscussedOn), "minutes_ref": r.MinutesRef}
}

// List returns the entity's reports, newest first, in one query.
func List(ctx context.Context, q db.Querier, entityID int64) ([]Summary, error) {
	rows, err := q.Query(ctx, `SELECT r.id, r.title, r.report_day, r.generated_at, coalesce(u.name, '') AS generated_by,
			coalesce((r.content->'readiness'->>'percent')::int, 0) AS readiness,
			coalesce((r.content->'risks'->>'above')::int, 0) AS above, r.discussed_on, r.minutes_ref, r.version
		FROM board_reports r LEFT JOIN users u ON u.id = r.generated_by
		WHERE r.entity_id = @entity ORDER BY r.report_day DESC, r.generated_at DESC, r.id DESC`,
		pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("board reports of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Summary])
}

// Get loads one report of the entity (another entity's id: db.ErrNotFound).
func Get(ctx context.Context, q db.Querier, entityID, id int64) (Report, error) {
	return db.GetOne[Report](ctx, q, fmt.Sprintf("load board report %d", id),
		`SELECT r.id, r.title, r.report_day, r.generated_at, coalesce(g.name, '') AS generated_by, r.content, r.discussed_on,
			r.minutes_ref, coalesce(d.name, '') AS discussed_by, r.discussed_recorded_at, r.version
		FROM board_reports r LEFT JOIN users g ON g.id = r.generated_by LEFT JOIN users d ON d.id = r.discussed_recorded_by
		WHERE r.entity_id = @entity AND r.id = @id`, pgx.StrictNamedArgs{"entity": entityID, "id": id})
}

// GenerateInput is the form that makes a report.
type GenerateInput struct {
	Title string
}

// Generate builds the report of day from the entity's data, compares it
// with the latest earlier report, stores it and audit-logs it, all in one
// transaction; now is the generation time (an injectable clock). It
// returns the new report's id.
func Generate(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, in GenerateInput, day, now time.Time) (int64, error) {
	title := strings.TrimSpace(in.Title)
	if title == "" || len([]rune(title)) > 80 {
		return 0, validate.Field("title", "oversight.error.title")
	}
	var id int64
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		c, err := Build(ctx, tx, actor.EntityID, day)
		if err != nil {
			return err
		}
		var prev Report
		err = tx.QueryRow(ctx, `SELECT id, title, report_day, content FROM board_reports WHERE entity_id = @entity
			ORDER BY report_day DESC, generated_at DESC, id DESC LIMIT 1`, pgx.StrictNamedArgs{"entity": actor.EntityID}).
			Scan(&prev.ID, &prev.Title, &prev.Day, &prev.Content)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return fmt.Errorf("previous board report: %w", err)
		default:
			changes := Diff(prev.Content, c)
			c.Previous, c.Changes = &PreviousRef{ID: prev.ID, Title: prev.Title, Day: prev.Content.Day}, &changes
		}
		if err := tx.QueryRow(ctx, `INSERT INTO board_reports (entity_id, title, report_day, generated_at, generated_by, content)
			VALUES (@entity, @title, @day, @now, @actor, @content) RETURNING id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "title": title, "day": day.Format(time.DateOnly), "now": now,
				"actor": actor.UserID, "content": c}).Scan(&id); err != nil {
			return fmt.Errorf("store board report: %w", db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "board_report.generated", ObjectType: "board_report",
			ObjectID: strconv.FormatInt(id, 10), After: map[string]any{"title": title, "report_day": c.Day,
				"readiness": c.Readiness.Percent, "risks_above": c.Risks.Above}})
	})
	return id, err
}

// Build gathers a report's content of day from the entity's data (without
// the comparison with the previous report). Seven queries or so; it runs
// when a report is made, never on a page view.
func Build(ctx context.Context, q db.Querier, entityID int64, day time.Time) (Content, error) {
	c := Content{Schema: ContentSchema, Day: day.Format(time.DateOnly)}
	ed, err := measure.EntityEdition(ctx, q, entityID)
	if err != nil {
		return c, err
	}
	o, err := measure.BuildOverview(ctx, q, ed, entityID, day)
	if err != nil {
		return c, err
	}
	c.Class, c.CatalogueEdition, c.EngineVersion = o.ScopeClass, o.CatalogueVersion, o.EngineVersion
	c.Readiness = Readiness{Percent: int(o.Readiness*100 + 0.5), Ready: o.Ready, Applicable: o.Applicable}
	for _, ms := range o.Measures {
		line := MeasureLine{Code: ms.Measure.Code, Label: ms.Measure.Label, Applicable: ms.Measure.Applicable,
			Current: ms.Maturity.Value, Done: ms.Done, Total: ms.Total}
		if ms.Measure.Applicable {
			line.Target, line.Gap = ms.Result.Target, ms.Result.Shortfall()
		}
		c.Measures = append(c.Measures, line)
	}

	br, ok, err := risk.CurrentForBoard(ctx, q, entityID, MaxRisks)
	if err != nil {
		return c, err
	}
	if ok {
		c.Risks = Risks{Analysis: true, Period: br.Period, Status: string(br.Status), Tolerance: int(br.Tolerance), Above: br.Above}
		for _, t := range br.Top {
			c.Risks.Items = append(c.Risks.Items, RiskLine{Key: riskKey(t.JewelName, t.ThreatCode, t.ThreatName), ScenarioID: t.ID,
				Jewel: t.JewelName, Threat: threatText(t.ThreatLabel()), Level: int(t.Level), Treatment: t.Treatment, Acceptance: t.Acceptance})
		}
		due, err := risk.DueAcceptances(ctx, q, entityID, br.AnalysisID, day.AddDate(0, 0, AcceptanceHorizon))
		if err != nil {
			return c, err
		}
		for _, d := range due {
			c.Acceptances = append(c.Acceptances, AcceptanceLine{Key: riskKey(d.JewelName, d.ThreatCode, d.ThreatName), ScenarioID: d.ScenarioID,
				Jewel: d.JewelName, Threat: threatText(d.ThreatLabel()), Level: int(d.Level), Expires: d.Expires.Format(time.DateOnly),
				Expired: !d.Expires.After(day)})
		}
	}
	overdue, err := risk.OverdueActions(ctx, q, entityID, day)
	if err != nil {
		return c, err
	}
	for _, a := range overdue {
		c.Overdue = append(c.Overdue, ActionLine{ID: a.ID, Title: a.Title, Requirement: a.RequirementCode, Owner: a.OwnerName,
			Due: a.DueDate.Format(time.DateOnly), Period: a.Period, Jewel: a.JewelName, Threat: threatText(a.ThreatLabel())})
	}

	members, err := training.Overview(ctx, q, entityID, day)
	if err != nil {
		return c, err
	}
	for _, m := range members {
		if !m.Board {
			continue
		}
		line := MemberLine{UserID: m.UserID, Name: m.Name, State: string(m.Assessment.State),
			Deadline: m.Assessment.Deadline.Format(time.DateOnly)}
		if cur := m.Current(); cur != nil {
			line.Certificate = cur.Course + " — " + cur.Provider
			line.ValidUntil = dateString(cur.ValidUntil)
		}
		c.Training = append(c.Training, line)
	}
	return c, nil
}

// riskKey identifies a risk across cycles: its jewel and its threat.
func riskKey(jewel string, code *string, own string) string {
	if code != nil {
		return jewel + "|c:" + *code
	}
	return jewel + "|e:" + own
}

// threatText freezes a threat's name in both languages.
func threatText(c risk.CatalogueThreat, own string, ok bool) i18n.Text {
	switch {
	case !ok:
		return i18n.Text{NL: "?", EN: "?"}
	case own != "":
		return i18n.Text{NL: own, EN: own}
	}
	return c.Name
}

func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// DiscussionInput is the form recording that the board discussed a report.
type DiscussionInput struct {
	DiscussedOn, MinutesRef string
	Version                 int
}

// RecordDiscussion records (or corrects) the day the management body
// discussed the report and the reference of the minutes, after a version
// check, audit-logged. The day lies between the report's day and today.
func RecordDiscussion(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, in DiscussionInput, today time.Time) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := Get(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		errs := validate.Errors{}
		minutes := strings.TrimSpace(in.MinutesRef)
		var on time.Time
		switch d, perr := time.Parse(time.DateOnly, strings.TrimSpace(in.DiscussedOn)); {
		case strings.TrimSpace(in.DiscussedOn) == "":
			errs.Add("discussed_on", "validate.required")
		case perr != nil || d.Year() < 1950:
			errs.Add("discussed_on", "validate.date")
		case d.Before(cur.Day):
			errs.Add("discussed_on", "oversight.error.before_report")
		case d.After(today):
			errs.Add("discussed_on", "oversight.error.future")
		default:
			on = d
		}
		if minutes == "" {
			errs.Add("minutes_ref", "validate.required")
		} else if len([]rune(minutes)) > 200 {
			errs.Add("minutes_ref", "validate.too_long")
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if cur.Version != in.Version {
			return &Conflict{Current: cur}
		}
		tag, err := tx.Exec(ctx, `UPDATE board_reports SET discussed_on = @on, minutes_ref = @minutes,
				discussed_recorded_by = @actor, discussed_recorded_at = now(), version = version + 1
			WHERE entity_id = @entity AND id = @id AND version = @version`,
			pgx.StrictNamedArgs{"on": on.Format(time.DateOnly), "minutes": minutes, "actor": actor.UserID, "entity": actor.EntityID,
				"id": id, "version": in.Version})
		if err != nil {
			return fmt.Errorf("record discussion of board report %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return &Conflict{Current: cur}
		}
		before, after := audit.Diff(cur.discussion(), map[string]any{"discussed_on": on.Format(time.DateOnly), "minutes_ref": minutes})
		after["title"] = cur.Title
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "board_report.discussed", ObjectType: "board_report",
			ObjectID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
}
