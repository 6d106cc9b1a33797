package scope

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// scopeArgsFor renders an input as `weerbaar scope` flags, for round trips.
func scopeArgsFor(in Input) []string {
	var args []string
	for _, s := range in.Subsectors {
		args = append(args, "--subsector", s)
	}
	args = append(args,
		"--employees", strconv.Itoa(in.Employees),
		"--turnover", strconv.FormatInt(in.TurnoverEUR, 10),
		"--balance", strconv.FormatInt(in.BalanceEUR, 10))
	if in.Qualified {
		args = append(args, "--qualified")
	}
	if in.CriticalEntity {
		args = append(args, "--critical-entity")
	}
	if in.Designated != "" {
		args = append(args, "--designated", in.Designated)
	}
	if in.Exclusion != "" {
		args = append(args, "--exclusion", in.Exclusion)
	}
	if in.MainEstablishmentElsewhere {
		args = append(args, "--main-establishment-elsewhere")
	}
	if in.DORA {
		args = append(args, "--dora")
	}
	if in.PublicControl {
		args = append(args, "--public-control")
	}
	for _, o := range in.Others {
		args = append(args, "--partner", fmt.Sprintf("%d:%d:%d:%d", o.SharePct, o.Employees, o.TurnoverEUR, o.BalanceEUR))
	}
	if p := in.Previous; p != nil {
		args = append(args, "--prev-employees", strconv.Itoa(p.Employees),
			"--prev-turnover", strconv.FormatInt(p.TurnoverEUR, 10), "--prev-balance", strconv.FormatInt(p.BalanceEUR, 10))
	}
	return args
}

func TestParseScopeArgs(t *testing.T) {
	t.Parallel()
	in, err := ParseArgs(strings.Fields("--subsector food --subsector digital.dns --employees 40 --turnover=12000000 -balance 8000000 --qualified --critical-entity --designated important"))
	if err != nil {
		t.Fatal(err)
	}
	want := Input{Subsectors: []string{"food", "digital.dns"}, Employees: 40, TurnoverEUR: 12_000_000, BalanceEUR: 8_000_000,
		Qualified: true, CriticalEntity: true, Designated: "important"}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("got %+v\nwant %+v", in, want)
	}
	if back, err := ParseArgs(scopeArgsFor(in)); err != nil || !reflect.DeepEqual(back, in) {
		t.Errorf("round trip: %+v, %v", back, err)
	}

	// The new inputs, and linked/partner enterprises added to the figures.
	in, err = ParseArgs(strings.Fields("--subsector drinking_water --employees 200 --turnover 30000000 --balance 40000000 --public-control " +
		"--exclusion exempted --main-establishment-elsewhere --dora --prev-employees 180 --prev-turnover 29000000 --prev-balance 38000000 " +
		"--linked 40:5000000:2000000 --partner 30:100:10000000:10000000 --partner 10:1000:1:1"))
	if err != nil {
		t.Fatal(err)
	}
	want = Input{Subsectors: []string{"drinking_water"}, Employees: 200, TurnoverEUR: 30_000_000, BalanceEUR: 40_000_000,
		Exclusion: ExclusionExempted, MainEstablishmentElsewhere: true, DORA: true, PublicControl: true,
		Previous: &Figures{180, 29_000_000, 38_000_000},
		Others:   []Holding{{Figures{40, 5_000_000, 2_000_000}, 100}, {Figures{100, 10_000_000, 10_000_000}, 30}, {Figures{1000, 1, 1}, 10}}}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("got %+v\nwant %+v", in, want)
	}
	if back, err := ParseArgs(scopeArgsFor(in)); err != nil || !reflect.DeepEqual(back, in) {
		t.Errorf("round trip: %+v, %v", back, err)
	}

	base := "--subsector food --employees 1 --turnover 1 --balance 1"
	bad := []struct {
		args  string
		field string // "" when the flag package itself rejects the input
	}{
		{"--employees 1 --turnover 1 --balance 1", "subsector"},
		{"--subsector energy --employees 1 --turnover 1 --balance 1", "subsector"},
		{"--subsector food --turnover 1 --balance 1", "employees"},
		{"--subsector food --employees 1 --balance 1", "turnover"},
		{"--subsector food --employees 1 --turnover 1", "balance"},
		{"--subsector food --employees -5 --turnover 1 --balance 1", "employees"},
		{"--subsector food --employees 1 --turnover -1 --balance 1", "turnover"},
		{"--subsector food --employees 1 --turnover 1 --balance -1", "balance"},
		{base + " --designated maybe", "designated"},
		{"--subsector food --employees abc --turnover 1 --balance 1", ""},
		{"--subsector food --employees 1 --turnover 12M --balance 1", ""},
		{"--subsector food --employees 1 --turnover 1e6 --balance 1", ""},
		{"--subsector food --employees 1 --turnover 0x10 --balance 1", ""},
		{"--subsector food --employees 1 --turnover 1_000 --balance 1", ""},
		{"--subsector food --employees 1 --turnover 99999999999999999999 --balance 1", ""},
		{base + " --bogus", ""},
		{base + " extra", ""},
		{base + " --qualified=maybe", ""},
		{base + " --exclusion defence", "exclusion"},
		{base + " --prev-employees 1 --prev-turnover 1", "prev_balance"},
		{base + " --prev-turnover 1", "prev_employees"},
		{base + " --prev-employees -1 --prev-turnover 1 --prev-balance 1", "prev_employees"},
		{base + " --linked 1:2", ""},
		{base + " --partner 101:1:1:1", ""},
		{base + " --partner 30:-1:1:1", ""},
		{base + " --linked 1:9007199254740990:0 --linked 1:9007199254740990:0", "others"},
	}
	for _, tt := range bad {
		_, err := ParseArgs(strings.Fields(tt.args))
		if err == nil {
			t.Errorf("%q: accepted", tt.args)
			continue
		}
		var ie *InputError
		if tt.field != "" && (!errors.As(err, &ie) || ie.Field != tt.field) {
			t.Errorf("%q: error %v, want field %s", tt.args, err, tt.field)
		}
	}
}

// FuzzParseScopeArgs: arbitrary command lines never panic; what parses is
// valid, assesses without error and survives a round trip through flags.
func FuzzParseScopeArgs(f *testing.F) {
	for _, seed := range []string{
		"--subsector drinking_water --employees 300 --turnover 40000000 --balance 30000000",
		"--subsector digital.trust_service --qualified --employees 5 --turnover 1000000 --balance 1000000",
		"--subsector food --subsector digital.dns --employees=40 --turnover=12000000 --balance=8000000 --designated important",
		"--subsector banking --critical-entity --employees 0 --turnover 0 --balance 0 --designated essential",
		"--subsector digital.cloud --main-establishment-elsewhere --dora --public-control --exclusion judiciary --employees 60 --turnover 1 --balance 1",
		"--subsector drinking_water --employees 250 --turnover 1 --balance 1 --prev-employees 249 --prev-turnover 1 --prev-balance 1 --linked 5:1:1 --partner 25:4:4:4",
		"--subsector food --employees -1 --turnover 1 --balance 1",
		"--subsector x --employees 1e3 --turnover 1 --balance 1",
		"--list",
		"",
		"-h",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, " ")
		in, err := ParseArgs(args)
		if err != nil {
			return
		}
		if err := in.Validate(); err != nil {
			t.Fatalf("parsed %q but invalid: %v", line, err)
		}
		res, err := Assess(in)
		if err != nil {
			t.Fatalf("assess %+v: %v", in, err)
		}
		if scopeClassRank[res.Class] == 0 && res.Class != ClassOutOfScope || len(res.Reasons) < 2 ||
			res.Size != wantSize(in) {
			t.Fatalf("odd result for %+v: %+v", in, res)
		}
		back, err := ParseArgs(scopeArgsFor(in))
		if err != nil || !reflect.DeepEqual(back, in) {
			t.Fatalf("round trip of %+v gave %+v, %v", in, back, err)
		}
	})
}
