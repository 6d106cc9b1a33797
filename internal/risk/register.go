package risk

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// RegisterPageSize is the number of scenarios on one page of the register.
const RegisterPageSize = 50

// registerSorts is the allow-list of the register's sort keys: the key a
// URL may name → the (indexed, integer) column it sorts on. Anything else is
// refused by ParseRegisterSort; no other text ever reaches the SQL.
var registerSorts = map[string]string{
	"level":      "s.inherent_level",
	"likelihood": "s.inherent_likelihood",
	"impact":     "s.inherent_impact",
	"id":         "s.id",
}

// RegisterSortKeys lists the allowed sort keys in the order the page offers them.
var RegisterSortKeys = []string{"level", "likelihood", "impact", "id"}

// RegisterSort is a validated sort of the register: an allow-listed key and
// a direction. The zero value is not valid; use DefaultRegisterSort.
type RegisterSort struct {
	Key  string
	Desc bool
}

// DefaultRegisterSort is the highest level first.
var DefaultRegisterSort = RegisterSort{Key: "level", Desc: true}

// ParseRegisterSort reads "level" / "-level" (descending); an unlisted key
// gives ok false and the default sort.
func ParseRegisterSort(s string) (RegisterSort, bool) {
	if s == "" {
		return DefaultRegisterSort, true
	}
	desc := strings.HasPrefix(s, "-")
	key := strings.TrimPrefix(s, "-")
	if _, ok := registerSorts[key]; !ok {
		return DefaultRegisterSort, false
	}
	return RegisterSort{Key: key, Desc: desc}, true
}

// String is the URL form of the sort.
func (s RegisterSort) String() string {
	if s.Desc {
		return "-" + s.Key
	}
	return s.Key
}

// RegisterFilter narrows the register; zero fields do not filter.
type RegisterFilter struct {
	Level      Level
	JewelID    int64
	Threat     ThreatRef // zero: any threat
	OwnerID    int64     // the jewel's owner
	SupplierID int64     // a supplier the scenario's jewel depends on
	// Treatment is one of RegisterTreatments ("" any): a treatment
	// decision, "none" (not decided yet) or "requested" (acceptance
	// requested from the management body, still open). "accept" means
	// accepted, within tolerance.
	Treatment string
	// Overdue keeps the scenarios with an open mitigation action past its
	// due date or an acceptance past its review date, as of Today.
	Overdue bool
	// Today is the day overdue is measured on (zero: today, UTC).
	Today time.Time
}

// Register treatment filter values besides the four treatments.
const (
	TreatmentNone      = "none"
	TreatmentRequested = "requested"
)

// RegisterTreatments lists the treatment filter's values in form order.
var RegisterTreatments = []string{TreatMitigate, TreatAccept, TreatTransfer, TreatAvoid, TreatmentNone, TreatmentRequested}

// ValidRegisterTreatment reports whether t is a treatment filter value
// ("" included: no filter).
func ValidRegisterTreatment(t string) bool {
	return t == "" || slices.Contains(RegisterTreatments, t)
}

// Cursor is a keyset position in the register: the sort key and id of a
// row. Its URL form is "<key>.<id>".
type Cursor struct {
	Key int64
	ID  int64
}

// String is the URL form of the cursor.
func (c Cursor) String() string {
	return strconv.FormatInt(c.Key, 10) + "." + strconv.FormatInt(c.ID, 10)
}

// ParseCursor reads a cursor's URL form.
func ParseCursor(s string) (Cursor, bool) {
	k, id, ok := strings.Cut(s, ".")
	if !ok {
		return Cursor{}, false
	}
	key, err1 := strconv.ParseInt(k, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	return Cursor{Key: key, ID: n}, err1 == nil && err2 == nil && n > 0
}

// RegisterQuery is one page request: after a row (next), before a row
// (previous), the last page, or (none of these) the first page.
type RegisterQuery struct {
	Filter RegisterFilter
	Sort   RegisterSort
	After  *Cursor
	Before *Cursor
	Last   bool
}

// RegisterRow is one scenario as the register shows it.
type RegisterRow struct {
	ID         int64   `db:"id"`
	JewelID    int64   `db:"jewel_id"`
	JewelName  string  `db:"jewel_name"`
	OwnerName  string  `db:"owner_name"`
	ThreatCode *string `db:"threat_code"`
	ThreatID   *int64  `db:"threat_id"`
	ThreatName string  `db:"threat_name"` // entity threats only
	Avail      bool    `db:"availability"`
	Integ      bool    `db:"integrity"`
	Conf       bool    `db:"confidentiality"`
	Likelihood int     `db:"inherent_likelihood"`
	Impact     int     `db:"inherent_impact"`
	Level      Level   `db:"inherent_level"`
	Treatment  *string `db:"treatment"`
	Acceptance *string `db:"acceptance"`
	// Overdue: an open mitigation action past its due date or an
	// acceptance past its review date.
	Overdue bool `db:"overdue"`
}

// TreatmentState is the row's treatment as the register's filter names
// it: a treatment, "requested" or "none".
func (r RegisterRow) TreatmentState() string { return TreatmentState(r.Treatment, r.Acceptance) }

// Aspects returns the row's affected aspects.
func (r RegisterRow) Aspects() Aspects {
	return Aspects{Availability: r.Avail, Integrity: r.Integ, Confidentiality: r.Conf}
}

// Threat is the row's threat reference.
func (r RegisterRow) Threat() ThreatRef {
	if r.ThreatCode != nil {
		return ThreatRef{Code: *r.ThreatCode}
	}
	if r.ThreatID != nil {
		return ThreatRef{ID: *r.ThreatID}
	}
	return ThreatRef{}
}

// key is the row's value of the sort column.
func (r RegisterRow) key(sort string) int64 {
	switch sort {
	case "level":
		return int64(r.Level)
	case "likelihood":
		return int64(r.Likelihood)
	case "impact":
		return int64(r.Impact)
	}
	return r.ID
}

// Cursor is the row's keyset position under sort.
func (r RegisterRow) Cursor(sort RegisterSort) Cursor {
	return Cursor{Key: r.key(sort.Key), ID: r.ID}
}

// RegisterPage is one page of the register with what the pager needs.
type RegisterPage struct {
	Rows             []RegisterRow
	HasPrev, HasNext bool
}

// registerOverdue is the overdue condition of a scenario s: an open
// mitigation action past its due date (risk_mitigations_open_due_idx) or
// an acceptance past its review date.
const registerOverdue = `(EXISTS (SELECT 1 FROM risk_mitigations m WHERE m.scenario_id = s.id AND NOT m.done
		AND m.due_date < @today AND m.entity_id = @entity)
	OR (s.acceptance = 'accepted' AND s.acceptance_expires <= @today))`

// registerColumns are the register's columns over scenarios s joined by
// registerJoins.
const registerColumns = `s.id, s.jewel_id, j.name AS jewel_name, coalesce(o.name, '') AS owner_name, s.threat_code,
	s.threat_id, coalesce(t.name, '') AS threat_name, s.availability, s.integrity, s.confidentiality,
	s.inherent_likelihood, s.inherent_impact, s.inherent_level, s.treatment, s.acceptance,
	coalesce(` + registerOverdue + `, false) AS overdue`

const registerJoins = ` JOIN risk_jewels j ON j.id = s.jewel_id LEFT JOIN users o ON o.id = j.owner_id
	LEFT JOIN risk_threats t ON t.id = s.threat_id`

// registerFrom is the scenarios s of the analysis matching the filter.
const registerFrom = ` FROM risk_scenarios s` + registerJoins + `
	WHERE s.entity_id = @entity AND s.analysis_id = @analysis
		AND (@level = 0 OR s.inherent_level = @level) AND (@jewel = 0 OR s.jewel_id = @jewel)
		AND (@code = '' OR s.threat_code = @code) AND (@threat = 0 OR s.threat_id = @threat)
		AND (@owner = 0 OR j.owner_id = @owner)
		AND (@supplier = 0 OR EXISTS (SELECT 1 FROM risk_jewel_suppliers js
			WHERE js.jewel_id = s.jewel_id AND js.supplier_id = @supplier AND js.entity_id = @entity))
		AND (@treatment = '' OR CASE @treatment WHEN 'none' THEN s.treatment IS NULL
			WHEN 'requested' THEN s.acceptance = 'requested' WHEN 'accept' THEN s.acceptance = 'accepted'
			ELSE s.treatment = @treatment END)
		AND (NOT @overdue OR ` + registerOverdue + `)`

const registerSelect = `SELECT ` + registerColumns + registerFrom

func registerArgs(entityID, analysisID int64, f RegisterFilter) pgx.StrictNamedArgs {
	day := f.Today
	if day.IsZero() {
		day = time.Now().UTC()
	}
	return pgx.StrictNamedArgs{"entity": entityID, "analysis": analysisID, "level": int(f.Level), "jewel": f.JewelID,
		"code": f.Threat.Code, "threat": f.Threat.ID, "owner": f.OwnerID, "supplier": f.SupplierID,
		"treatment": f.Treatment, "overdue": f.Overdue, "today": day.Format(time.DateOnly)}
}

// orderBy is the ORDER BY of sort (desc flips it, for reading backwards).
func orderBy(col string, desc bool) string {
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	return " ORDER BY " + col + dir + ", s.id" + dir
}

// Register returns one page of an analysis's scenarios: at most
// RegisterPageSize rows in q.Sort order, positioned by keyset (the sort key
// and id of the row before or after), never by OFFSET, in one query.
func Register(ctx context.Context, qr db.Querier, entityID, analysisID int64, q RegisterQuery) (RegisterPage, error) {
	col, ok := registerSorts[q.Sort.Key]
	if !ok {
		return RegisterPage{}, fmt.Errorf("register sort %q: not allowed", q.Sort.Key)
	}
	args := registerArgs(entityID, analysisID, q.Filter)
	// The page's rows are chosen first (an index scan of the sort's index
	// and LIMIT), then joined and their overdue state read for those rows
	// only: computed over the filter, the planner hashes every open
	// mitigation of the entity for it.
	sql := `SELECT s.*` + registerFrom
	backwards := q.Before != nil || q.Last
	if c := q.After; c != nil {
		op := " > "
		if q.Sort.Desc {
			op = " < "
		}
		sql += " AND (" + col + ", s.id)" + op + "(@ck, @cid)"
		args["ck"], args["cid"] = c.Key, c.ID
	} else if c := q.Before; c != nil {
		op := " < "
		if q.Sort.Desc {
			op = " > "
		}
		sql += " AND (" + col + ", s.id)" + op + "(@ck, @cid)"
		args["ck"], args["cid"] = c.Key, c.ID
	}
	sql += orderBy(col, q.Sort.Desc != backwards) + " LIMIT @limit"
	sql = `SELECT ` + registerColumns + ` FROM (` + sql + `) s` + registerJoins + orderBy(col, q.Sort.Desc != backwards)
	args["limit"] = RegisterPageSize + 1
	rows, err := qr.Query(ctx, sql, args)
	if err != nil {
		return RegisterPage{}, fmt.Errorf("register of analysis %d: %w", analysisID, err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[RegisterRow])
	if err != nil {
		return RegisterPage{}, fmt.Errorf("register of analysis %d: %w", analysisID, err)
	}
	more := len(list) > RegisterPageSize
	if more {
		list = list[:RegisterPageSize]
	}
	p := RegisterPage{Rows: list}
	if backwards {
		slices.Reverse(p.Rows)
		p.HasPrev, p.HasNext = more, q.Before != nil
	} else {
		p.HasPrev, p.HasNext = q.After != nil, more
	}
	return p, nil
}

// EachRegisterRow calls fn for every scenario matching f in sort order (for
// the CSV export), streaming in one query.
func EachRegisterRow(ctx context.Context, qr db.Querier, entityID, analysisID int64, f RegisterFilter, sort RegisterSort, fn func(RegisterRow) error) error {
	col, ok := registerSorts[sort.Key]
	if !ok {
		return fmt.Errorf("register sort %q: not allowed", sort.Key)
	}
	rows, err := qr.Query(ctx, registerSelect+orderBy(col, sort.Desc), registerArgs(entityID, analysisID, f))
	if err != nil {
		return fmt.Errorf("register of analysis %d: %w", analysisID, err)
	}
	defer rows.Close()
	for rows.Next() {
		row, err := pgx.RowToStructByName[RegisterRow](rows)
		if err != nil {
			return fmt.Errorf("register of analysis %d: %w", analysisID, err)
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RegisterOption is a jewel or supplier as the register's filters offer it:
// its id and name (and a jewel's owner), nothing of the record beyond.
type RegisterOption struct {
	Kind      string `db:"kind"` // "jewel" or "supplier"
	ID        int64  `db:"id"`
	Name      string `db:"name"`
	OwnerID   *int64 `db:"owner_id"`
	OwnerName string `db:"owner_name"`
}

// RegisterOptions lists the analysis's jewels (by level and name, as Jewels)
// and suppliers (by name) for the register's filters, in one query that
// reads names only: Jewels and Suppliers read every record whole, with its
// links, for the pages that show them.
func RegisterOptions(ctx context.Context, q db.Querier, entityID, analysisID int64) (jewels, suppliers []RegisterOption, err error) {
	rows, err := q.Query(ctx, `SELECT kind, id, name, owner_id, owner_name FROM (
			SELECT 'jewel' AS kind, j.id, j.name, j.owner_id, coalesce(o.name, '') AS owner_name,
				0 AS part, array_position(ARRAY['goal','process','system'], j.level) AS rank
			FROM risk_jewels j LEFT JOIN users o ON o.id = j.owner_id
			WHERE j.entity_id = @entity AND j.analysis_id = @analysis
			UNION ALL
			SELECT 'supplier', s.id, s.name, NULL, '', 1, 0 FROM risk_suppliers s
			WHERE s.entity_id = @entity AND s.analysis_id = @analysis) x
		ORDER BY part, rank, name`, pgx.StrictNamedArgs{"entity": entityID, "analysis": analysisID})
	if err != nil {
		return nil, nil, fmt.Errorf("register options of analysis %d: %w", analysisID, err)
	}
	all, err := pgx.CollectRows(rows, pgx.RowToStructByName[RegisterOption])
	if err != nil {
		return nil, nil, fmt.Errorf("register options of analysis %d: %w", analysisID, err)
	}
	for _, o := range all {
		if o.Kind == "jewel" {
			jewels = append(jewels, o)
		} else {
			suppliers = append(suppliers, o)
		}
	}
	return jewels, suppliers, nil
}
