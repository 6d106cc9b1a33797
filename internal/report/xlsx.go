package report

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// WriteXLSX writes the tables as one workbook, one sheet per table (named in
// lang), through excelize's StreamWriter so memory stays flat: typed cells
// (numbers as numbers, dates as dates with a date format, booleans as
// booleans), the header row frozen and an Excel table over each sheet so
// every column has a filter.
func WriteXLSX(w io.Writer, tables []Table, lang i18n.Lang) error {
	f := excelize.NewFile()
	defer f.Close()
	dateFmt, dtFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return err
	}
	dtStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dtFmt})
	if err != nil {
		return err
	}
	headStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, t := range tables {
		name := t.Title(lang)
		if len([]rune(name)) > 31 {
			name = string([]rune(name)[:31])
		}
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		head := make([]any, len(t.Columns))
		for c, col := range t.Columns {
			head[c] = excelize.Cell{StyleID: headStyle, Value: col.Header(lang)}
			width := 14.0
			if col.Type == TypeText {
				width = 28
			}
			if col.Type == TypeHash {
				width = 66
			}
			if err := sw.SetColWidth(c+1, c+1, width); err != nil {
				return err
			}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		row := make([]any, len(t.Columns))
		for r := range t.Rows {
			for c, col := range t.Columns {
				row[c] = xlsxCell(col, t.Cell(r, c), dateStyle, dtStyle)
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, row); err != nil {
				return err
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(t.Columns), max(t.Rows+1, 2))
		if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: "T_" + t.Name, StyleName: "TableStyleLight1", ShowRowStripes: boolPtr(true)}); err != nil {
			return fmt.Errorf("xlsx table %s: %w", t.Name, err)
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}

func boolPtr(b bool) *bool { return &b }

// xlsxCell is a typed cell: times as Excel dates with a date style, empty
// dates as blank cells, the rest as their Go value.
func xlsxCell(c Column, v any, dateStyle, dtStyle int) any {
	switch c.Type {
	case TypeDate, TypeDateTime:
		t, ok := timeOf(v)
		if !ok {
			return nil
		}
		style := dateStyle
		if c.Type == TypeDateTime {
			style = dtStyle
		}
		return excelize.Cell{StyleID: style, Value: t}
	}
	return v
}
