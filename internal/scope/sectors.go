package scope

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// Authority is a Dutch competent authority under Cbw art. 15: the minister
// who supervises a sector. Codes are stable and stored with assessments.
type Authority struct {
	Code string    `json:"code"`
	Name i18n.Text `json:"name"`
}

// Subsector is one type of entity from NIS2 Annex I or II (plus domain name
// registration services, which NIS2 covers outside the annexes). It is
// reference data, read from sectors.json, so a change in the law is a change
// in data, not in code.
type Subsector struct {
	// Code is the stable identifier, e.g. "energy.electricity".
	Code string `json:"code"`
	// SectorCode groups subsectors, e.g. "energy".
	SectorCode string    `json:"sector"`
	Name       i18n.Text `json:"name"`
	SectorName i18n.Text `json:"sector_name"`
	// Annex is 1 (high criticality) or 2 (other critical sectors); 0 for
	// digital.domain_registration, which is in no annex (NIS2 art. 2(4)).
	Annex int `json:"annex"`
	// Authority is the code of the competent authority (see Authorities).
	Authority string `json:"authority"`
	// CSIRT receives incident reports; NCSC unless a sector CSIRT is certain.
	CSIRT string `json:"csirt"`
	// LexSpecialis names sector law that replaces the NIS2 measures and
	// reporting (Art. 4 NIS2), e.g. "DORA"; empty when none.
	LexSpecialis string `json:"lex_specialis"`
	// Unverified marks data the scope result depends on (the competent
	// authority) that we could not confirm; show it as guidance. The
	// verification of each role is in Supervision.
	Unverified bool `json:"unverified"`
	// Art27 marks the entity types of Art. 27(1) NIS2 (the ENISA register):
	// they report extra establishment data and changes within three months.
	Art27 bool `json:"art27"`
}

// subsectorRecord is a Subsector as stored in sectors.json, with the note
// that explains what is unverified.
type subsectorRecord struct {
	Subsector
	Note  i18n.Text   `json:"note"`
	Roles rolesRecord `json:"roles"`
}

//go:embed sectors.json
var sectorsJSON []byte

type sectorData struct {
	References  []Reference          `json:"references"`
	Notes       map[string]i18n.Text `json:"notes"`
	Authorities []Authority          `json:"authorities"`
	Supervisors []Body               `json:"supervisors"`
	CSIRTs      []Body               `json:"csirts"`
	Subsectors  []subsectorRecord    `json:"subsectors"`
}

// refData is parsed once at start; broken reference data is a build defect,
// so it panics (the data test catches it first).
var refData = mustLoadSectors(sectorsJSON)

type loadedSectors struct {
	authorities []Authority
	subsectors  []Subsector
	records     map[string]subsectorRecord
	authByCode  map[string]Authority
	supervision map[string]Supervision
	bodies      map[string]Body
	references  map[string]Reference
	refOrder    []Reference
}

func mustLoadSectors(b []byte) loadedSectors {
	ls, err := loadSectors(b)
	if err != nil {
		panic("entity: " + err.Error())
	}
	return ls
}

func loadSectors(b []byte) (loadedSectors, error) {
	var d sectorData
	if err := json.Unmarshal(b, &d); err != nil {
		return loadedSectors{}, fmt.Errorf("sectors.json: %w", err)
	}
	ls := loadedSectors{
		authorities: d.Authorities,
		records:     make(map[string]subsectorRecord, len(d.Subsectors)),
		authByCode:  make(map[string]Authority, len(d.Authorities)),
	}
	for _, a := range d.Authorities {
		if a.Code == "" || !a.Name.Complete() {
			return loadedSectors{}, fmt.Errorf("sectors.json: authority %q incomplete", a.Code)
		}
		if _, dup := ls.authByCode[a.Code]; dup {
			return loadedSectors{}, fmt.Errorf("sectors.json: authority %q twice", a.Code)
		}
		ls.authByCode[a.Code] = a
	}
	for _, r := range d.Subsectors {
		s := r.Subsector
		if s.Code == "" || s.SectorCode == "" || !s.Name.Complete() || !s.SectorName.Complete() {
			return loadedSectors{}, fmt.Errorf("sectors.json: subsector %q incomplete", s.Code)
		}
		if s.Annex < 0 || s.Annex > 2 {
			return loadedSectors{}, fmt.Errorf("sectors.json: subsector %q: annex %d", s.Code, s.Annex)
		}
		if _, ok := ls.authByCode[s.Authority]; !ok {
			return loadedSectors{}, fmt.Errorf("sectors.json: subsector %q: unknown authority %q", s.Code, s.Authority)
		}
		if _, dup := ls.records[s.Code]; dup {
			return loadedSectors{}, fmt.Errorf("sectors.json: subsector %q twice", s.Code)
		}
		ls.records[s.Code] = r
		ls.subsectors = append(ls.subsectors, s)
	}
	if err := ls.loadSupervision(d); err != nil {
		return loadedSectors{}, fmt.Errorf("sectors.json: %w", err)
	}
	return ls, nil
}

// Subsectors returns every subsector in the fixed order of the annexes
// (Annex I, with domain registration next to digital infrastructure, then
// Annex II), so lists and forms read like the law. The slice is a copy.
func Subsectors() []Subsector { return slices.Clone(refData.subsectors) }

// LookupSubsector returns the subsector with code, and false for unknown codes.
func LookupSubsector(code string) (Subsector, bool) {
	r, ok := refData.records[code]
	return r.Subsector, ok
}

// Authorities returns the competent authorities in a fixed order (a copy).
func Authorities() []Authority { return slices.Clone(refData.authorities) }

// LookupAuthority returns the authority with code, and false for unknown codes.
func LookupAuthority(code string) (Authority, bool) {
	a, ok := refData.authByCode[code]
	return a, ok
}
