package audit

import (
	"bytes"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// Each streams one entity's chain in seq order (one query, one snapshot) to
// fn, for exports that an auditor re-verifies: the rows come without gaps,
// oldest first.
func Each(ctx context.Context, q db.Querier, entityID int64, fn func(Row) error) error {
	if entityID <= 0 {
		return ErrNoEntity
	}
	rows, err := q.Query(ctx, `SELECT `+rowColumns+` FROM audit_log WHERE entity_id = @entity_id ORDER BY seq`,
		pgx.StrictNamedArgs{"entity_id": entityID})
	if err != nil {
		return fmt.Errorf("audit: export entity %d: %w", entityID, err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return fmt.Errorf("audit: export entity %d: %w", entityID, err)
		}
		r.At = r.At.UTC()
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit: export entity %d: %w", entityID, err)
	}
	return nil
}

// ExportLine is a row as one JSON line for the audit-log export: exactly the
// canonical row (see the package documentation) followed by its "prev_hash"
// and "hash". A verifier drops those two members (the text from
// `,"prev_hash":` to the final `}`, then appends `}`), hashes prev_hash ‖
// the remaining bytes and compares with hash — no re-serialisation needed.
func ExportLine(r Row) ([]byte, error) {
	canon, err := canonicalRow(r)
	if err != nil {
		return nil, fmt.Errorf("audit: export row %d: %w", r.ID, err)
	}
	var b bytes.Buffer
	b.Write(canon[:len(canon)-1])
	b.WriteString(`,"prev_hash":`)
	writeString(&b, r.PrevHash)
	b.WriteString(`,"hash":`)
	writeString(&b, r.Hash)
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// UserNames returns the display names of the given user ids in one query,
// so the audit log shows people instead of ids; unknown ids are left out.
func UserNames(ctx context.Context, q db.Querier, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT id, name FROM users WHERE id = ANY(@ids)`, pgx.StrictNamedArgs{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("audit: user names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("audit: user names: %w", err)
		}
		out[id] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: user names: %w", err)
	}
	return out, nil
}
