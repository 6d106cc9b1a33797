package audit_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/dbtest"
)

// TestCheckJSONL: an exported chain re-verifies without the database, and a
// changed, removed or reordered line is named.
func TestCheckJSONL(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, _ := seedChains(t, pool)
	var lines [][]byte
	if err := audit.Each(context.Background(), pool, a, func(r audit.Row) error {
		l, err := audit.ExportLine(r)
		lines = append(lines, l)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	c, err := audit.CheckJSONL(bytes.NewReader(bytes.Join(lines, nil)))
	if err != nil || c.Rows != len(lines) || c.HeadSeq != int64(len(lines)) || len(c.HeadHash) != 64 {
		t.Fatalf("clean export: %+v %v", c, err)
	}
	changed := bytes.Replace(lines[1], []byte(`"seq":2`), []byte(`"seq":2 `), 1)
	removed := append(append([][]byte{}, lines[0]), lines[2:]...)
	swapped := append([][]byte{lines[1], lines[0]}, lines[2:]...)
	edited := bytes.Clone(lines[2])
	edited[len(edited)/3] ^= 0x01
	for name, tc := range map[string]struct {
		lines [][]byte
		want  string
	}{
		"changed":   {append([][]byte{lines[0], changed}, lines[2:]...), "line 2"},
		"removed":   {removed, "line 2"},
		"reordered": {swapped, "line 1"},
		"edited":    {append(append([][]byte{}, lines[:2]...), append([][]byte{edited}, lines[3:]...)...), "line 3"},
	} {
		if _, err := audit.CheckJSONL(bytes.NewReader(bytes.Join(tc.lines, nil))); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", name, err, tc.want)
		}
	}
}

// TestChainCheckerRow: Row writes exactly ExportLine's line and finds the
// break Line finds, without parsing the line.
func TestChainCheckerRow(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, _ := seedChains(t, pool)
	tamper(t, pool, `UPDATE audit_log SET action = 'measure.view' WHERE id = $1`, chainRows(t, pool, a)[2].ID)
	var byRow, byLine audit.ChainChecker
	var rowBroken, lineBroken error
	if err := audit.Each(context.Background(), pool, a, func(r audit.Row) error {
		want, err := audit.ExportLine(r)
		if err != nil {
			return err
		}
		got, broken, err := byRow.Row(r)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			t.Errorf("seq %d: Row wrote %s, ExportLine %s", r.Seq, got, want)
		}
		if rowBroken == nil {
			rowBroken = broken
		}
		if lineBroken == nil {
			lineBroken = byLine.Line(want)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if rowBroken == nil || lineBroken == nil || rowBroken.Error() != lineBroken.Error() || byRow != byLine {
		t.Errorf("Row found %v (%+v), Line %v (%+v)", rowBroken, byRow, lineBroken, byLine)
	}
}
