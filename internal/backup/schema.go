package backup

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// tables lists the application schema's tables (without skippedTables) in
// load order, each with its stored columns: generated columns are left out,
// as COPY cannot load them.
func tables(ctx context.Context, q db.Querier) ([]Table, error) {
	rows, err := q.Query(ctx, `SELECT c.relname::text,
			array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '')
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid
		WHERE n.nspname = current_schema() AND c.relkind = 'r' AND NOT c.relname::text = ANY (@skipped)
		GROUP BY c.relname ORDER BY c.relname`, pgx.StrictNamedArgs{"skipped": skippedTables})
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Table, error) {
		var t Table
		err := r.Scan(&t.Name, &t.Columns)
		t.File = tablesDir + t.Name + ".copy"
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	deps, err := references(ctx, q)
	if err != nil {
		return nil, err
	}
	return loadOrder(list, deps)
}

// references maps each table to the other tables its foreign keys point at.
func references(ctx context.Context, q db.Querier) (map[string][]string, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT c.relname::text, f.relname::text
		FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid
		JOIN pg_class f ON f.oid = k.confrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE k.contype = 'f' AND k.conrelid <> k.confrelid AND n.nspname = current_schema()`)
	if err != nil {
		return nil, fmt.Errorf("list foreign keys: %w", err)
	}
	deps := map[string][]string{}
	var from, to string
	_, err = pgx.ForEachRow(rows, []any{&from, &to}, func() error {
		deps[from] = append(deps[from], to)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list foreign keys: %w", err)
	}
	return deps, nil
}

// loadOrder sorts tables so each comes after the tables it references (a
// table referencing itself is fine: COPY checks foreign keys at the end of
// the statement). Ties stay alphabetical, so the order is stable.
func loadOrder(list []Table, deps map[string][]string) ([]Table, error) {
	byName := map[string]Table{}
	for _, t := range list {
		byName[t.Name] = t
	}
	var ordered []Table
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		switch state[name] {
		case 2:
			return nil
		case 1:
			return fmt.Errorf("foreign keys form a cycle: %v", append(path, name))
		}
		state[name] = 1
		refs := slices.Clone(deps[name])
		sort.Strings(refs)
		for _, r := range refs {
			if _, ok := byName[r]; !ok {
				continue // a skipped table
			}
			if err := visit(r, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		ordered = append(ordered, byName[name])
		return nil
	}
	for _, t := range list {
		if err := visit(t.Name, nil); err != nil {
			return nil, err
		}
	}
	return ordered, nil
}

// sequences lists the sequences behind identity and serial columns with
// their current values.
func sequences(ctx context.Context, q db.Querier) ([]Sequence, error) {
	rows, err := q.Query(ctx, `SELECT s.relname::text, t.relname::text, a.attname::text
		FROM pg_class s
		JOIN pg_namespace n ON n.oid = s.relnamespace
		JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
			AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
		JOIN pg_class t ON t.oid = d.refobjid
		JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
		WHERE s.relkind = 'S' AND n.nspname = current_schema() AND NOT t.relname::text = ANY (@skipped)
		ORDER BY 1`, pgx.StrictNamedArgs{"skipped": skippedTables})
	if err != nil {
		return nil, fmt.Errorf("list sequences: %w", err)
	}
	seqs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Sequence, error) {
		var s Sequence
		return s, r.Scan(&s.Name, &s.Table, &s.Column)
	})
	if err != nil {
		return nil, fmt.Errorf("list sequences: %w", err)
	}
	for i := range seqs {
		s := &seqs[i]
		if err := q.QueryRow(ctx, `SELECT last_value, is_called FROM `+pgx.Identifier{s.Name}.Sanitize()).Scan(&s.LastValue, &s.IsCalled); err != nil {
			return nil, fmt.Errorf("read sequence %s: %w", s.Name, err)
		}
	}
	return seqs, nil
}

// dataTables are the tables that hold an organisation's data: entities,
// users and every table that refers to one of them, directly or through
// others, entities and users first (so a refusal names them). The
// catalogue tables the migrations fill are not among them.
func dataTables(ctx context.Context, q db.Querier) ([]string, error) {
	rows, err := q.Query(ctx, `WITH RECURSIVE data (t) AS (
			SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relname IN ('entities', 'users')
			UNION
			SELECT k.conrelid FROM pg_constraint k JOIN data ON k.confrelid = data.t WHERE k.contype = 'f'
		)
		SELECT relname::text FROM pg_class WHERE oid IN (SELECT t FROM data)
		ORDER BY relname NOT IN ('entities', 'users'), relname`)
	if err != nil {
		return nil, fmt.Errorf("list data tables: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// holdsData names the first table with an organisation's data that has a
// row, or says a large object exists; "" means the database is empty.
func holdsData(ctx context.Context, q db.Querier) (string, error) {
	names, err := dataTables(ctx, q)
	if err != nil {
		return "", err
	}
	for _, name := range names {
		var has bool
		if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{name}.Sanitize()+`)`).Scan(&has); err != nil {
			return "", fmt.Errorf("look at %s: %w", name, err)
		}
		if has {
			return "table " + name, nil
		}
	}
	var los bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_largeobject_metadata)`).Scan(&los); err != nil {
		return "", fmt.Errorf("look for large objects: %w", err)
	}
	if los {
		return "large objects", nil
	}
	return "", nil
}
