package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/weerbaar/weerbaar/internal/entity"
)

const scopeUsage = `usage: weerbaar scope --subsector CODE [--subsector CODE…] --employees N --turnover EUR --balance EUR
                      [--qualified] [--critical-entity] [--designated essential|important]
       weerbaar scope --list

  --subsector CODE     NIS2 subsector code; repeat for each activity (codes: weerbaar scope --list)
  --employees N        staff in annual work units, including partner and linked enterprises
  --turnover EUR       annual turnover in whole euros, e.g. 12000000
  --balance EUR        balance sheet total in whole euros
  --qualified          qualified trust service provider
  --critical-entity    designated critical entity under CER / Wwke
  --designated CLASS   designated by the authority as essential or important`

// scopeCmd: `weerbaar scope …` prints the NIS2 classification as JSON, or with
// --list the subsector reference data. It needs no configuration or database,
// so it can be run before installing anything else.
func scopeCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 1 && (args[0] == "--list" || args[0] == "-list") {
		return writeScopeJSON(stdout, entity.Subsectors())
	}
	in, err := entity.ParseScopeArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, scopeUsage)
		return nil
	}
	if err != nil {
		msg := "scope: " + err.Error()
		fmt.Fprintf(stderr, "%s\n%s\n", msg, scopeUsage)
		return usageError{msg}
	}
	res, err := entity.AssessScope(in)
	if err != nil {
		// ParseScopeArgs validated already; this is a defect, not bad input.
		return fmt.Errorf("scope: %w", err)
	}
	return writeScopeJSON(stdout, res)
}

func writeScopeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
