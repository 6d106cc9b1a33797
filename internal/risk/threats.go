package risk

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// Aspects are the BIV aspects (beschikbaarheid, integriteit,
// vertrouwelijkheid) a threat or scenario touches.
type Aspects struct {
	Availability    bool `json:"a"`
	Integrity       bool `json:"i"`
	Confidentiality bool `json:"c"`
}

// Any reports whether at least one aspect is set.
func (a Aspects) Any() bool { return a.Availability || a.Integrity || a.Confidentiality }

// Keys are the stable names of the set aspects, in BIV order, for i18n
// keys ("risk.aspect.<key>") and forms.
func (a Aspects) Keys() []string {
	var out []string
	if a.Availability {
		out = append(out, "availability")
	}
	if a.Integrity {
		out = append(out, "integrity")
	}
	if a.Confidentiality {
		out = append(out, "confidentiality")
	}
	return out
}

// CatalogueThreat is a threat of the reference catalogue: the categories of
// the Cybersecuritybeeld Nederland plus all-hazards threats, each with the
// aspects it typically affects (the default when a scenario is made).
type CatalogueThreat struct {
	Code        string    `json:"code"`
	Group       string    `json:"group"` // "csbn" or "all_hazards"
	Name        i18n.Text `json:"name"`
	Description i18n.Text `json:"description"`
	Aspects
}

// ThreatCatalogue is one edition of the threat catalogue.
type ThreatCatalogue struct {
	Version string            `json:"version"`
	Threats []CatalogueThreat `json:"threats"`
	index   map[string]int
}

// Threat returns the catalogue threat with code.
func (c *ThreatCatalogue) Threat(code string) (CatalogueThreat, bool) {
	i, ok := c.index[code]
	if !ok {
		return CatalogueThreat{}, false
	}
	return c.Threats[i], true
}

//go:embed threats.json
var threatsFile []byte

var threatCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// ParseThreats decodes and checks a threat catalogue: unique codes of the
// stored shape, both languages present, a known group, at least one aspect.
func ParseThreats(raw []byte) (*ThreatCatalogue, error) {
	var c ThreatCatalogue
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("threat catalogue: %w", err)
	}
	c.index = map[string]int{}
	for i, t := range c.Threats {
		switch {
		case !threatCode.MatchString(t.Code):
			return nil, fmt.Errorf("threat %q: bad code", t.Code)
		case t.Group != "csbn" && t.Group != "all_hazards":
			return nil, fmt.Errorf("threat %s: unknown group %q", t.Code, t.Group)
		case !t.Name.Complete() || !t.Description.Complete():
			return nil, fmt.Errorf("threat %s: text missing in a language", t.Code)
		case !t.Any():
			return nil, fmt.Errorf("threat %s: no aspect", t.Code)
		}
		if _, dup := c.index[t.Code]; dup {
			return nil, fmt.Errorf("threat %s twice", t.Code)
		}
		c.index[t.Code] = i
	}
	return &c, nil
}

var (
	threatsOnce sync.Once
	threats     *ThreatCatalogue
	threatsErr  error
)

// Threats returns the threat catalogue, parsed once and kept in memory:
// it changes only with a release, so pages need no query for it.
func Threats() *ThreatCatalogue {
	threatsOnce.Do(func() { threats, threatsErr = ParseThreats(threatsFile) })
	if threatsErr != nil {
		panic(threatsErr) // the embedded file is checked by TestThreatCatalogue
	}
	return threats
}
