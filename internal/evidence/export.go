package evidence

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// All returns every non-deleted evidence item of the entity, newest first,
// each file with its versions, in two queries: the evidence package lists
// them all.
func All(ctx context.Context, q db.Querier, entityID int64) ([]Item, error) {
	return listItems(ctx, q, entityID, filter{})
}

// FileVersion is one stored file version as EachContent streams it.
type FileVersion struct {
	Version
	SubjectType, SubjectRef string
}

// EachContent calls fn for every version of every non-deleted file item of
// the entity, in item and version order, with a reader over its bytes. It is
// one query whose rows are read one at a time, so only one file's bytes are
// in memory at any moment (the row being read) whatever the entity holds;
// the reader is valid only during fn.
func EachContent(ctx context.Context, q db.Querier, entityID int64, fn func(FileVersion, io.Reader) error) error {
	rows, err := q.Query(ctx, `SELECT v.id, v.item_id, v.version_no, v.filename, v.content_type, v.size, v.sha256,
			v.uploaded_at, coalesce(u.name, ''), i.subject_type, i.subject_ref, v.data
		FROM evidence_versions v
		JOIN evidence_items i ON i.id = v.item_id AND i.entity_id = v.entity_id
		LEFT JOIN users u ON u.id = v.uploaded_by
		WHERE v.entity_id = @entity AND i.deleted_at IS NULL
		ORDER BY v.item_id, v.version_no`, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return fmt.Errorf("evidence content of entity %d: %w", entityID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var fv FileVersion
		// The bytes are scanned as a RawBytes-like view: pgx reuses its read
		// buffer, so nothing is copied and nothing outlives the row.
		raw := rows.RawValues()
		if len(raw) != 12 {
			return fmt.Errorf("evidence content of entity %d: %d columns", entityID, len(raw))
		}
		var at time.Time
		if err := rows.Scan(&fv.ID, &fv.ItemID, &fv.No, &fv.Filename, &fv.ContentType, &fv.Size, &fv.SHA256,
			&at, &fv.UploadedBy, &fv.SubjectType, &fv.SubjectRef, nil); err != nil {
			return fmt.Errorf("evidence content of entity %d: %w", entityID, err)
		}
		fv.UploadedAt = at.UTC()
		if err := fn(fv, bytes.NewReader(raw[11])); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("evidence content of entity %d: %w", entityID, err)
	}
	return nil
}
