package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/scope"
)

const scopeUsage = `usage: weerbaar scope --subsector CODE [--subsector CODE…] --employees N --turnover EUR --balance EUR
                      [--qualified] [--critical-entity] [--designated essential|important]
                      [--exclusion security|exempted|judiciary] [--main-establishment-elsewhere] [--dora]
                      [--public-control] [--prev-employees N --prev-turnover EUR --prev-balance EUR]
                      [--linked N:EUR:EUR]… [--partner PCT:N:EUR:EUR]…
       weerbaar scope --list

  --subsector CODE     NIS2 subsector code; repeat for each activity (codes: weerbaar scope --list)
  --employees N        staff in annual work units of the enterprise itself, or already including
                       linked (100 %) and partner (25–50 %, pro rata) enterprises; or add those with
                       --linked / --partner (Rec. 2003/361 Annex art. 3 and 6)
  --turnover EUR       annual turnover in whole euros, e.g. 12000000
  --balance EUR        balance sheet total in whole euros
  --qualified          qualified trust service provider
  --critical-entity    designated critical entity under CER / Wwke
  --designated CLASS   designated by the competent authority as essential or important (Annex I/II types only)
  --exclusion WHAT     security: public administration entity in national security, public security,
                       defence or law enforcement (Art. 2(7)); exempted: exempted by decision for
                       exclusively such activities (Art. 2(8), open point); judiciary: judiciary,
                       parliament or central bank (no public administration entity, Art. 6)
  --main-establishment-elsewhere
                       main establishment in the EU (or EU representative) in another member state;
                       Art. 26(1)(b) types are then supervised there
  --dora               financial entity covered by DORA (Regulation (EU) 2022/2554; Art. 4 NIS2)
  --public-control     25 % or more of capital or voting rights held by public bodies (Annex art. 3(4));
                       not settled for NIS2: both outcomes are given, the stricter is the class
  --prev-employees N, --prev-turnover EUR, --prev-balance EUR
                       the previous financial year: a size class changes only after two
                       consecutive years across a ceiling (Annex art. 4(2))
  --linked N:EUR:EUR   a linked enterprise (more than 50 %): staff, turnover, balance, added in full
  --partner PCT:N:EUR:EUR
                       a partner enterprise (25–50 %): share, staff, turnover, balance, added pro rata`

// scopeCmd: `weerbaar scope …` prints the NIS2 classification as JSON, or with
// --list the subsector reference data. It needs no configuration or database,
// so it can be run before installing anything else.
func scopeCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 1 && (args[0] == "--list" || args[0] == "-list") {
		return writeJSON(stdout, subsectorsJSON(scope.Subsectors()))
	}
	in, err := scope.ParseArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, scopeUsage)
		return nil
	}
	if err != nil {
		msg := "scope: " + err.Error()
		fmt.Fprintf(stderr, "%s\n%s\n", msg, scopeUsage)
		return usageError{msg}
	}
	res, err := scope.Assess(in)
	if err != nil {
		// ParseScopeArgs validated already; this is a defect, not bad input.
		return fmt.Errorf("scope: %w", err)
	}
	return writeJSON(stdout, resultJSON(res))
}

// The CLI's JSON keeps its documented shape: texts are rendered in both
// languages (name_nl/name_en, text_nl/text_en) at this boundary.
type cliSubsector struct {
	Code         string `json:"code"`
	Sector       string `json:"sector"`
	NameNL       string `json:"name_nl"`
	NameEN       string `json:"name_en"`
	SectorNL     string `json:"sector_nl"`
	SectorEN     string `json:"sector_en"`
	Annex        int    `json:"annex"`
	Authority    string `json:"authority"`
	CSIRT        string `json:"csirt"`
	LexSpecialis string `json:"lex_specialis"`
	Unverified   bool   `json:"unverified"`
	// Supervisors are the toezichthouders' codes (empty: not known yet);
	// Art27 marks the types of the Art. 27 NIS2 register.
	Supervisors []string `json:"supervisors"`
	Art27       bool     `json:"art27"`
}

func subsectorsJSON(list []scope.Subsector) []cliSubsector {
	out := make([]cliSubsector, 0, len(list))
	for _, s := range list {
		supervisors := []string{}
		if sup, ok := scope.SupervisionOf(s.Code); ok {
			for _, a := range sup.Supervisors {
				supervisors = append(supervisors, a.Code)
			}
		}
		out = append(out, cliSubsector{Supervisors: supervisors, Art27: s.Art27, Code: s.Code, Sector: s.SectorCode, NameNL: s.Name.NL, NameEN: s.Name.EN,
			SectorNL: s.SectorName.NL, SectorEN: s.SectorName.EN, Annex: s.Annex, Authority: s.Authority, CSIRT: s.CSIRT,
			LexSpecialis: s.LexSpecialis, Unverified: s.Unverified})
	}
	return out
}

type cliReason struct {
	Rule    string `json:"rule"`
	Article string `json:"article"`
	TextNL  string `json:"text_nl"`
	TextEN  string `json:"text_en"`
	// Open: not settled or not verified; the text gives both outcomes.
	Open bool `json:"open,omitempty"`
}

type cliResult struct {
	Class         scope.Class `json:"class"`
	Size          scope.Size  `json:"size"`
	Reasons       []cliReason `json:"reasons"`
	EngineVersion string      `json:"engine_version"`
}

func resultJSON(res scope.Result) cliResult {
	out := cliResult{Class: res.Class, Size: res.Size, EngineVersion: res.EngineVersion}
	for _, r := range res.Reasons {
		out.Reasons = append(out.Reasons, cliReason{Rule: r.Rule, Article: r.Article, TextNL: r.Lang(i18n.NL), TextEN: r.Lang(i18n.EN), Open: r.Open})
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
