package risk

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
)

// Limits of a jewel import: a file and its rows stay well within what one
// transaction and one page of report handle.
const (
	MaxImportBytes = 8 << 20
	MaxImportRows  = 10000
)

// JewelColumns are the CSV columns of jewels by their stable name; the
// header may use these names or the Dutch ones (JewelColumnsNL), in any
// order. Export writes the user's language.
var JewelColumns = []string{"name", "level", "description", "owner", "availability", "integrity", "confidentiality",
	"rto_hours", "rpo_hours", "suppliers"}

// JewelColumnsNL are the Dutch headers, in the order of JewelColumns.
var JewelColumnsNL = []string{"naam", "niveau", "omschrijving", "eigenaar", "beschikbaarheid", "integriteit",
	"vertrouwelijkheid", "rto_uren", "rpo_uren", "leveranciers"}

// LevelNamesNL are the Dutch level values accepted and exported, in the
// order of JewelLevels.
var LevelNamesNL = []string{"organisatiedoel", "proces", "systeem"}

// ImportError is one problem of an import: the line (1 = header), the
// column's header as in the file ("" for the whole line or file) and the
// catalogue key of the message.
type ImportError struct {
	Line   int
	Column string
	Key    string
}

// ErrImport is returned when the file has problems; the report lists them
// and nothing was imported.
var ErrImport = errors.New("import refused")

// ImportReport is the line-by-line result of a refused import.
type ImportReport struct {
	Errors []ImportError
}

func (r *ImportReport) Error() string { return fmt.Sprintf("%d problems in the file", len(r.Errors)) }

// Unwrap lets callers test for ErrImport.
func (r *ImportReport) Unwrap() error { return ErrImport }

// csvRow is one parsed data row.
type csvRow struct {
	line int
	in   JewelInput
	// ownerEmail and supplierNames are resolved against the entity.
	ownerEmail    string
	supplierNames []string
}

// parseJewelCSV reads the file: UTF-8 (a BOM is skipped), ";" or ","
// separated (whichever the header uses), a header naming the columns. It
// returns the rows, or the file-level and line-level problems it found.
func parseJewelCSV(raw []byte) ([]csvRow, []ImportError) {
	raw = bytes.TrimPrefix(raw, []byte("\ufeff"))
	if !utf8.Valid(raw) {
		return nil, []ImportError{{Line: 0, Key: "risk.import.encoding"}}
	}
	header, _, _ := bytes.Cut(raw, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(raw))
	r.Comma = ','
	if bytes.Count(header, []byte(";")) > bytes.Count(header, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, []ImportError{{Line: 1, Key: "risk.import.header"}}
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		for k, c := range JewelColumns {
			if h == c || h == JewelColumnsNL[k] {
				col[c] = i
			}
		}
	}
	var errs []ImportError
	for _, need := range []string{"name", "level", "availability", "integrity", "confidentiality"} {
		if _, ok := col[need]; !ok {
			errs = append(errs, ImportError{Line: 1, Column: need, Key: "risk.import.missing_column"})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var rows []csvRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// FieldPos is only valid after a successful Read.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			errs = append(errs, ImportError{Line: line, Key: "risk.import.syntax"})
			break
		}
		line, _ := r.FieldPos(0)
		if len(rows) >= MaxImportRows {
			errs = append(errs, ImportError{Line: line, Key: "risk.import.too_many"})
			break
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		level := strings.ToLower(get("level"))
		for k, nl := range LevelNamesNL {
			if level == nl {
				level = JewelLevels[k]
			}
		}
		row := csvRow{line: line, ownerEmail: strings.ToLower(get("owner")), in: JewelInput{Name: get("name"), Level: level,
			Description: get("description"), Availability: get("availability"), Integrity: get("integrity"),
			Confidentiality: get("confidentiality"), RTOHours: get("rto_hours"), RPOHours: get("rpo_hours")}}
		for _, s := range strings.Split(get("suppliers"), "|") {
			if s = strings.TrimSpace(s); s != "" {
				row.supplierNames = append(row.supplierNames, s)
			}
		}
		rows = append(rows, row)
	}
	return rows, errs
}

// ImportJewels adds the jewels of a CSV file to an analysis: every row is
// checked (the same rules as the form, owners by e-mail among the members,
// suppliers by name in the analysis, names unique in the file and the
// analysis) and either all rows are imported, in one transaction with one
// audit event, or none, with a report naming line and column of each
// problem. It returns how many jewels were added.
func ImportJewels(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, analysisID int64, raw []byte) (int, error) {
	if len(raw) > MaxImportBytes {
		return 0, &ImportReport{Errors: []ImportError{{Key: "risk.import.too_large"}}}
	}
	rows, errs := parseJewelCSV(raw)
	if len(errs) > 0 {
		return 0, &ImportReport{Errors: errs}
	}
	if len(rows) == 0 {
		return 0, &ImportReport{Errors: []ImportError{{Line: 2, Key: "risk.import.empty"}}}
	}
	n := 0
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := lockAnalysis(ctx, tx, actor.EntityID, analysisID); err != nil {
			return err
		}
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "analysis": analysisID}
		owners, err := nameIndex(ctx, tx, `SELECT lower(u.email), u.id FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.entity_id = @entity`, pgx.StrictNamedArgs{"entity": actor.EntityID})
		if err != nil {
			return err
		}
		suppliers, err := nameIndex(ctx, tx, `SELECT name, id FROM risk_suppliers WHERE entity_id = @entity AND analysis_id = @analysis`, args)
		if err != nil {
			return err
		}
		existing, err := nameIndex(ctx, tx, `SELECT name, id FROM risk_jewels WHERE entity_id = @entity AND analysis_id = @analysis`, args)
		if err != nil {
			return err
		}
		memberIDs := map[int64]bool{}
		supplierIDs := map[int64]bool{}
		for _, id := range owners {
			memberIDs[id] = true
		}
		for _, id := range suppliers {
			supplierIDs[id] = true
		}
		seen := map[string]int{}
		var report []ImportError
		var batch []parsedJewel
		for _, row := range rows {
			in := row.in
			if row.ownerEmail != "" {
				if id, ok := owners[row.ownerEmail]; ok {
					in.OwnerID = strconv.FormatInt(id, 10)
				} else {
					report = append(report, ImportError{Line: row.line, Column: "owner", Key: "risk.error.owner"})
				}
			}
			for _, s := range row.supplierNames {
				if id, ok := suppliers[s]; ok {
					in.Suppliers = append(in.Suppliers, strconv.FormatInt(id, 10))
				} else {
					report = append(report, ImportError{Line: row.line, Column: "suppliers", Key: "risk.import.unknown_supplier"})
				}
			}
			p, fieldErrs := in.parse(memberIDs, supplierIDs, nil, 0)
			for _, c := range JewelColumns {
				if key, ok := fieldErrs[c]; ok {
					report = append(report, ImportError{Line: row.line, Column: c, Key: key})
				}
			}
			if _, dup := existing[p.name]; dup && p.name != "" {
				report = append(report, ImportError{Line: row.line, Column: "name", Key: "risk.error.name_taken"})
			} else if _, dup := seen[p.name]; dup && p.name != "" {
				report = append(report, ImportError{Line: row.line, Column: "name", Key: "risk.import.duplicate"})
			}
			seen[p.name] = row.line
			batch = append(batch, p)
		}
		if len(report) > 0 {
			return &ImportReport{Errors: report}
		}
		if err := insertJewels(ctx, tx, actor, analysisID, batch); err != nil {
			return err
		}
		n = len(batch)
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_jewel.imported", ObjectType: "risk_analysis",
			ObjectID: strconv.FormatInt(analysisID, 10), After: map[string]any{"jewels": n}})
	})
	return n, err
}

// nameIndex maps the first column of a query to the second.
func nameIndex(ctx context.Context, q db.Querier, sql string, args pgx.StrictNamedArgs) (map[string]int64, error) {
	rows, err := q.Query(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	var name string
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&name, &id}, func() error {
		out[name] = id
		return nil
	})
	return out, err
}

// insertJewels inserts the rows in one statement (arrays unnested), then
// their supplier links by name, so a large file is a handful of queries.
func insertJewels(ctx context.Context, tx pgx.Tx, actor authz.Actor, analysisID int64, batch []parsedJewel) error {
	n := len(batch)
	names, levels, descs := make([]string, n), make([]string, n), make([]string, n)
	owners, rtos, rpos := make([]*int64, n), make([]*int, n), make([]*int, n)
	as, is, cs := make([]int, n), make([]int, n), make([]int, n)
	var linkJewels []string
	var linkSuppliers []int64
	for k, p := range batch {
		names[k], levels[k], descs[k], owners[k], rtos[k], rpos[k] = p.name, p.level, p.description, p.owner, p.rto, p.rpo
		as[k], is[k], cs[k] = p.a, p.i, p.c
		for _, s := range p.suppliers {
			linkJewels, linkSuppliers = append(linkJewels, p.name), append(linkSuppliers, s)
		}
	}
	args := pgx.StrictNamedArgs{"entity": actor.EntityID, "analysis": analysisID, "actor": actor.UserID, "names": names,
		"levels": levels, "descs": descs, "owners": owners, "as": as, "is": is, "cs": cs, "rtos": rtos, "rpos": rpos}
	if _, err := tx.Exec(ctx, `INSERT INTO risk_jewels (entity_id, analysis_id, name, level, description, owner_id,
			availability, integrity, confidentiality, rto_hours, rpo_hours, updated_by)
		SELECT @entity, @analysis, t.name, t.level, t.descr, t.owner, t.a, t.i, t.c, t.rto, t.rpo, @actor
		FROM unnest(@names::text[], @levels::text[], @descs::text[], @owners::bigint[], @as::int[], @is::int[], @cs::int[],
			@rtos::int[], @rpos::int[]) AS t(name, level, descr, owner, a, i, c, rto, rpo)`, args); err != nil {
		return fmt.Errorf("import jewels: %w", db.MapError(err))
	}
	if len(linkJewels) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO risk_jewel_suppliers (entity_id, analysis_id, jewel_id, supplier_id)
		SELECT @entity, @analysis, j.id, t.supplier FROM unnest(@jewels::text[], @suppliers::bigint[]) AS t(jewel, supplier)
		JOIN risk_jewels j ON j.entity_id = @entity AND j.analysis_id = @analysis AND j.name = t.jewel
		ON CONFLICT DO NOTHING`, pgx.StrictNamedArgs{"entity": actor.EntityID, "analysis": analysisID,
		"jewels": linkJewels, "suppliers": linkSuppliers}); err != nil {
		return fmt.Errorf("import jewel suppliers: %w", err)
	}
	return nil
}
