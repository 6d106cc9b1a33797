package measure_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
)

// recordingQuerier keeps the SQL of every query that reaches the database.
type recordingQuerier struct {
	db.Querier
	sql []string
}

func (r *recordingQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	r.sql = append(r.sql, sql)
	return r.Querier.Query(ctx, sql, args...)
}

func (r *recordingQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	r.sql = append(r.sql, sql)
	return r.Querier.QueryRow(ctx, sql, args...)
}

// catalogueTables matches the catalogue tables, not entity_requirements or
// entity_measures.
var catalogueTables = regexp.MustCompile(`\b(requirements|measures|requirement_measures|catalogue_versions|catalogue_editions)\b`)

// TestPagesReadNoCatalogueText: what the measures overview, a measure page,
// a requirement page, the SoA and the dashboard load reads only the entity's
// state; the catalogue texts come from memory, whatever the edition, and the
// texts are those of the entity's edition.
func TestPagesReadNoCatalogueText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	var id int64
	if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('x-org', 'X') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO entity_requirements (entity_id, requirement_code, maturity, status, catalogue_version)
		VALUES ($1, '6.8', 4, 'implemented', '2026.1')`, id); err != nil {
		t.Fatal(err)
	}
	q := &recordingQuerier{Querier: pool}
	ed := catalogue.Latest()
	o, err := measure.BuildOverview(ctx, q, ed, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req, err := measure.GetRequirement(ctx, q, ed, id, "6.8")
	if err != nil {
		t.Fatal(err)
	}
	m, err := measure.GetMeasure(ctx, q, ed, id, "e")
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range q.sql {
		if catalogueTables.MatchString(sql) {
			t.Errorf("a page query reads the catalogue:\n%s", sql)
		}
	}
	want, _ := ed.Requirement("6.8")
	if req.Title != want.Title || req.Text != want.Text || req.Maturity != 4 || req.Status != measure.Implemented || !req.Serves("e") {
		t.Errorf("requirement 6.8: %+v", req)
	}
	if wantM, _ := ed.Measure("e"); m.Label != wantM.Label || m.Version != 0 || !m.Applicable {
		t.Errorf("untouched measure e: %+v", m)
	}
	if len(o.Requirements) != len(ed.Requirements) || o.CatalogueVersion != ed.Version {
		t.Errorf("overview: %d requirements on %s", len(o.Requirements), o.CatalogueVersion)
	}
	if _, err := measure.GetRequirement(ctx, q, ed, id, "99.1"); err == nil {
		t.Error("a code outside the edition was found")
	}
}
