package report

import (
	"bufio"
	"encoding/json"
	"io"
)

// WriteData writes data.json (schema docs/package-schema.json): the
// package's meta data, registration, risk summary, audit summary and why
// each measure's target, then every table as an array of objects keyed by
// column key with typed values — from the same Table definitions as the CSV
// files and the workbook. Rows are written one at a time.
func WriteData(w io.Writer, d *Dataset, tables []Table) error {
	bw := bufio.NewWriter(w)
	enc := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = bw.Write(b)
		return err
	}
	reasons := make(map[string][]string, len(d.Measures))
	for _, m := range d.Measures {
		reasons[m.Code] = m.Reasons
	}
	head := []struct {
		key string
		v   any
	}{{"schema", DataSchema}, {"meta", d.Meta}, {"registration", d.Registration}, {"risk_summary", d.RiskSummary},
		{"audit", d.Audit}, {"measure_reasons", reasons}}
	bw.WriteString("{")
	for i, h := range head {
		if i > 0 {
			bw.WriteString(",\n")
		}
		if err := enc(h.key); err != nil {
			return err
		}
		bw.WriteString(":")
		if err := enc(h.v); err != nil {
			return err
		}
	}
	bw.WriteString(",\n\"tables\":{")
	for ti, t := range tables {
		if ti > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		if err := enc(t.Name); err != nil {
			return err
		}
		bw.WriteString(":[")
		for r := range t.Rows {
			if r > 0 {
				bw.WriteString(",")
			}
			bw.WriteString("\n{")
			for c, col := range t.Columns {
				if c > 0 {
					bw.WriteString(",")
				}
				if err := enc(col.Key); err != nil {
					return err
				}
				bw.WriteString(":")
				if err := enc(jsonValue(col, t.Cell(r, c))); err != nil {
					return err
				}
			}
			bw.WriteString("}")
		}
		bw.WriteString("]")
	}
	bw.WriteString("}}\n")
	return bw.Flush()
}
