package risk

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// ListPageSize is the number of rows of one page of the crown jewels and the
// supplier register; PreviewSize the rows the analysis page shows of each,
// linking to the whole list.
const (
	ListPageSize = 50
	PreviewSize  = 20
)

// NameCursor is a keyset position in a list ordered by name within an
// analysis (names are unique there); the crown jewels are ordered by level
// first. Its URL form is "<name>" or "<level>.<name>".
type NameCursor struct {
	Level, Name string
}

// String is the URL form of the cursor.
func (c NameCursor) String() string {
	if c.Level == "" {
		return c.Name
	}
	return c.Level + "." + c.Name
}

// ParseNameCursor reads a cursor's URL form; withLevel for the crown jewels.
func ParseNameCursor(s string, withLevel bool) (NameCursor, bool) {
	if s == "" || len(s) > 300 {
		return NameCursor{}, false
	}
	if !withLevel {
		return NameCursor{Name: s}, true
	}
	level, name, ok := strings.Cut(s, ".")
	return NameCursor{Level: level, Name: name}, ok && slices.Contains(JewelLevels, level) && name != ""
}

// ListQuery is one page request of a list: after a row (next), before a row
// (previous), or (neither) the first page of limit rows.
type ListQuery struct {
	After, Before *NameCursor
	Limit         int
}

// keyset is the WHERE and ORDER BY of q over the key columns cols (compared
// as a row), reading backwards for a previous page.
func (q ListQuery) keyset(cols string, args pgx.StrictNamedArgs, key func(NameCursor) []any) (where, order string) {
	dir := " ASC"
	switch {
	case q.After != nil:
		where = " AND (" + cols + ") > (" + bind(args, key(*q.After)) + ")"
	case q.Before != nil:
		where = " AND (" + cols + ") < (" + bind(args, key(*q.Before)) + ")"
		dir = " DESC"
	}
	var parts []string
	for c := range strings.SplitSeq(cols, ",") {
		parts = append(parts, strings.TrimSpace(c)+dir)
	}
	return where, " ORDER BY " + strings.Join(parts, ", ")
}

func bind(args pgx.StrictNamedArgs, values []any) string {
	var names []string
	for i, v := range values {
		n := fmt.Sprintf("k%d", i)
		args[n] = v
		names = append(names, "@"+n)
	}
	return strings.Join(names, ", ")
}

// page trims rows read with one extra to q's limit and says whether there
// are rows before and after them.
func page[T any](q ListQuery, rows []T) (out []T, hasPrev, hasNext bool) {
	more := len(rows) > q.Limit
	if more {
		rows = rows[:q.Limit]
	}
	if q.Before != nil {
		slices.Reverse(rows)
		return rows, more, true
	}
	return rows, q.After != nil, more
}

// JewelRow is a crown jewel as the lists show it, with the names of the
// suppliers it depends on.
type JewelRow struct {
	ID              int64    `db:"id"`
	Name            string   `db:"name"`
	Level           string   `db:"level"`
	OwnerName       string   `db:"owner_name"`
	Availability    int      `db:"availability"`
	Integrity       int      `db:"integrity"`
	Confidentiality int      `db:"confidentiality"`
	RTOHours        *int     `db:"rto_hours"`
	RPOHours        *int     `db:"rpo_hours"`
	Suppliers       []string `db:"suppliers"`
}

// Cursor is the row's keyset position.
func (j JewelRow) Cursor() NameCursor { return NameCursor{Level: j.Level, Name: j.Name} }

// JewelList returns one page of an analysis's crown jewels by level and
// name (the order of Jewels: goal, process, system sort alphabetically),
// positioned by keyset on risk_jewels_entity_idx, in one query.
func JewelList(ctx context.Context, qr db.Querier, entityID, analysisID int64, q ListQuery) (rows []JewelRow, hasPrev, hasNext bool, err error) {
	args := pgx.StrictNamedArgs{"entity": entityID, "analysis": analysisID, "limit": q.Limit + 1}
	where, order := q.keyset("j.level, j.name", args, func(c NameCursor) []any { return []any{c.Level, c.Name} })
	r, err := qr.Query(ctx, `SELECT j.id, j.name, j.level, coalesce(o.name, '') AS owner_name, j.availability, j.integrity,
			j.confidentiality, j.rto_hours, j.rpo_hours,
			-- A scalar subquery per link: the supplier by its key, never a
			-- scan of every entity's suppliers per jewel.
			ARRAY(SELECT (SELECT s.name FROM risk_suppliers s WHERE s.id = l.supplier_id) AS name
				FROM risk_jewel_suppliers l WHERE l.jewel_id = j.id ORDER BY 1) AS suppliers
		FROM risk_jewels j LEFT JOIN users o ON o.id = j.owner_id
		WHERE j.entity_id = @entity AND j.analysis_id = @analysis`+where+order+` LIMIT @limit`, args)
	if err != nil {
		return nil, false, false, fmt.Errorf("jewel list of analysis %d: %w", analysisID, err)
	}
	list, err := pgx.CollectRows(r, pgx.RowToStructByName[JewelRow])
	if err != nil {
		return nil, false, false, fmt.Errorf("jewel list of analysis %d: %w", analysisID, err)
	}
	rows, hasPrev, hasNext = page(q, list)
	return rows, hasPrev, hasNext, nil
}

// SupplierSummary counts what needs attention in an analysis's supplier
// register: suppliers with a concentration risk, with contract clauses
// missing, and with an expired certification.
type SupplierSummary struct {
	Total, Concentrated, ClausesMissing, CertExpired int
}

// supplierRow is a supplier with the register's summary, read together.
type supplierRow struct {
	Supplier
	Total          int `db:"total"`
	Concentrated   int `db:"concentrated"`
	ClausesMissing int `db:"clauses_missing"`
	CertExpired    int `db:"cert_expired"`
}

// SupplierList returns one page of an analysis's supplier register by name,
// positioned by keyset on risk_suppliers_entity_idx, with the summary of the
// whole register (as of day), in one query. A page without rows (an
// analysis without suppliers) has a zero summary. The summary is
// MATERIALIZED: counted once, not once per row under a generic plan.
func SupplierList(ctx context.Context, qr db.Querier, entityID, analysisID int64, q ListQuery, day time.Time) (rows []Supplier, sum SupplierSummary, hasPrev, hasNext bool, err error) {
	args := pgx.StrictNamedArgs{"entity": entityID, "analysis": analysisID, "limit": q.Limit + 1, "today": day.Format(time.DateOnly),
		"threshold": ConcentrationThreshold}
	where, order := q.keyset("s.name", args, func(c NameCursor) []any { return []any{c.Name} })
	r, err := qr.Query(ctx, `WITH summary AS MATERIALIZED (
			SELECT count(*)::int AS total,
				(count(*) FILTER (WHERE NOT (x.clause_incident AND x.clause_audit AND x.clause_vulnerability
					AND x.clause_subcontracting AND x.clause_exit)))::int AS clauses_missing,
				(count(*) FILTER (WHERE x.certification_expiry < @today::date))::int AS cert_expired,
				(SELECT count(*) FROM (SELECT l.supplier_id FROM risk_jewel_suppliers l JOIN risk_jewels j ON j.id = l.jewel_id
					WHERE l.entity_id = @entity AND l.analysis_id = @analysis
						AND j.entity_id = @entity AND j.analysis_id = @analysis -- the link's own jewels, by index
						AND greatest(j.availability, j.integrity, j.confidentiality) = 4
					GROUP BY l.supplier_id HAVING count(*) >= @threshold) c)::int AS concentrated
			FROM risk_suppliers x WHERE x.entity_id = @entity AND x.analysis_id = @analysis)
		SELECT `+strings.Replace(supplierColumns, "FROM risk_suppliers s", `, summary.total, summary.clauses_missing, summary.cert_expired, summary.concentrated
		FROM summary CROSS JOIN risk_suppliers s`, 1)+` WHERE s.entity_id = @entity AND s.analysis_id = @analysis`+where+order+` LIMIT @limit`, args)
	if err != nil {
		return nil, sum, false, false, fmt.Errorf("supplier list of analysis %d: %w", analysisID, err)
	}
	list, err := pgx.CollectRows(r, pgx.RowToStructByName[supplierRow])
	if err != nil {
		return nil, sum, false, false, fmt.Errorf("supplier list of analysis %d: %w", analysisID, err)
	}
	if len(list) > 0 {
		sum = SupplierSummary{Total: list[0].Total, Concentrated: list[0].Concentrated, ClausesMissing: list[0].ClausesMissing, CertExpired: list[0].CertExpired}
	}
	var all []Supplier
	for _, x := range list {
		all = append(all, x.Supplier)
	}
	rows, hasPrev, hasNext = page(q, all)
	return rows, sum, hasPrev, hasNext, nil
}
