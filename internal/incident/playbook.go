package incident

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// PlaybookKeys are the playbooks every entity has, in the page's order
// (Annex 3.1 of Reg. 2024/2690: procedures per kind of incident).
var PlaybookKeys = []string{"ransomware", "data_breach", "ddos", "supplier"}

// PlaybookSections are the sections of every playbook, in the order an
// incident runs through them.
var PlaybookSections = []string{"detect", "contain", "recover", "report", "communicate", "lessons"}

// playbookFor maps an incident category to its playbook.
var playbookFor = map[string]string{"ransomware": "ransomware", "data_breach": "data_breach", "ddos": "ddos", "supplier": "supplier"}

// PlaybookForCategory is the playbook of an incident's category, and false
// when no playbook matches (derived from the category alone, so the
// incident page links it without a query).
func PlaybookForCategory(category string) (string, bool) {
	k, ok := playbookFor[category]
	return k, ok
}

//go:embed playbooks.json
var defaultPlaybooksJSON []byte

// defaultPlaybooks is the shipped content an entity adopts and edits.
var defaultPlaybooks = func() map[string]map[string]i18n.Text {
	var m map[string]map[string]i18n.Text
	if err := json.Unmarshal(defaultPlaybooksJSON, &m); err != nil {
		panic(fmt.Sprintf("incident: default playbooks: %v", err))
	}
	for _, k := range PlaybookKeys {
		for _, s := range PlaybookSections {
			if !m[k][s].Complete() {
				panic(fmt.Sprintf("incident: default playbook %s lacks section %s", k, s))
			}
		}
	}
	return m
}()

// PlaybookSection is one section of a playbook in both languages.
type PlaybookSection struct {
	Key  string
	Text i18n.Text
}

// Playbook is one of the entity's playbooks: as adopted (Adopted, with who
// saved it last and its version) or the shipped default (Version 0).
type Playbook struct {
	Key       string
	Sections  []PlaybookSection
	Adopted   bool
	UpdatedBy string
	UpdatedAt *time.Time
	Version   int
}

// Section returns the section called key.
func (p Playbook) Section(key string) i18n.Text {
	for _, s := range p.Sections {
		if s.Key == key {
			return s.Text
		}
	}
	return i18n.Text{}
}

type savedPlaybook struct {
	Key       string               `json:"key"`
	Sections  map[string]i18n.Text `json:"sections"`
	UpdatedBy string               `json:"updated_by"`
	UpdatedAt *time.Time           `json:"updated_at"`
	Version   int                  `json:"version"`
}

// DefaultPlaybook is the shipped content of a playbook.
func DefaultPlaybook(key string) (Playbook, bool) {
	d, ok := defaultPlaybooks[key]
	if !ok {
		return Playbook{}, false
	}
	p := Playbook{Key: key}
	for _, s := range PlaybookSections {
		p.Sections = append(p.Sections, PlaybookSection{Key: s, Text: d[s]})
	}
	return p, true
}

// effectivePlaybooks are the four playbooks: the saved ones, the defaults
// for those not adopted yet.
func effectivePlaybooks(saved []savedPlaybook) []Playbook {
	out := make([]Playbook, 0, len(PlaybookKeys))
	for _, k := range PlaybookKeys {
		p, _ := DefaultPlaybook(k)
		if i := slices.IndexFunc(saved, func(s savedPlaybook) bool { return s.Key == k }); i >= 0 {
			s := saved[i]
			p.Adopted, p.UpdatedBy, p.UpdatedAt, p.Version = true, s.UpdatedBy, s.UpdatedAt, s.Version
			for j := range p.Sections {
				p.Sections[j].Text = s.Sections[p.Sections[j].Key]
			}
		}
		out = append(out, p)
	}
	return out
}

// PlaybookOf picks a playbook from the plan, and false for an unknown key.
func (p ResponsePlan) PlaybookOf(key string) (Playbook, bool) {
	i := slices.IndexFunc(p.Playbooks, func(b Playbook) bool { return b.Key == key })
	if i < 0 {
		return Playbook{}, false
	}
	return p.Playbooks[i], true
}

// PlaybookInput is the playbook form: each section in both languages.
type PlaybookInput struct {
	Sections map[string]i18n.Text
	Version  int
}

// PlaybookField is the form field name of a section in one language.
func PlaybookField(section string, lang i18n.Lang) string { return section + "_" + string(lang) }

// PlaybookConflict is returned when the playbook changed after the form was
// opened; Current is the playbook as saved.
type PlaybookConflict struct{ Current Playbook }

func (e *PlaybookConflict) Error() string { return "changed by someone else meanwhile" }

// Unwrap lets callers test for db.ErrConflict.
func (e *PlaybookConflict) Unwrap() error { return db.ErrConflict }

// SavePlaybook adopts or changes one of the entity's playbooks after a
// version check (0: still the default), audit-logged. Every section needs
// its Dutch text; the English one may follow later (it falls back to Dutch).
func SavePlaybook(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, key string, in PlaybookInput) error {
	if !slices.Contains(PlaybookKeys, key) {
		return fmt.Errorf("playbook %q: %w", key, db.ErrNotFound)
	}
	errs := validate.Errors{}
	clean := map[string]i18n.Text{}
	for _, s := range PlaybookSections {
		t := i18n.Text{NL: strings.TrimSpace(in.Sections[s].NL), EN: strings.TrimSpace(in.Sections[s].EN)}
		if t.NL == "" {
			errs.Add(PlaybookField(s, i18n.NL), "playbook.error.required")
		}
		if len([]rune(t.NL)) > maxPlanText {
			errs.Add(PlaybookField(s, i18n.NL), "validate.too_long")
		}
		if len([]rune(t.EN)) > maxPlanText {
			errs.Add(PlaybookField(s, i18n.EN), "validate.too_long")
		}
		clean[s] = t
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		plan, err := LoadPlan(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		cur, _ := plan.PlaybookOf(key)
		if cur.Version != in.Version {
			return &PlaybookConflict{Current: cur}
		}
		doc, err := json.Marshal(clean)
		if err != nil {
			return err
		}
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "key": key, "sections": string(doc), "actor": actor.UserID,
			"version": in.Version}
		sql := `INSERT INTO response_playbooks (entity_id, key, sections, updated_by) VALUES (@entity, @key, @sections, @actor)
			ON CONFLICT (entity_id, key) DO NOTHING`
		if in.Version != 0 {
			sql = `UPDATE response_playbooks SET sections = @sections, updated_by = @actor, updated_at = now(), version = version + 1
				WHERE entity_id = @entity AND key = @key AND version = @version`
		} else {
			delete(args, "version")
		}
		tag, err := tx.Exec(ctx, sql, args)
		if err != nil {
			return fmt.Errorf("save playbook %s: %w", key, db.MapError(err))
		}
		if tag.RowsAffected() == 0 {
			return &PlaybookConflict{Current: cur}
		}
		before, after := map[string]any{}, map[string]any{"playbook": key}
		for _, s := range cur.Sections {
			if n := clean[s.Key]; n != s.Text {
				before["section_"+s.Key] = s.Text.NL + "\n\n" + s.Text.EN
				after["section_"+s.Key] = n.NL + "\n\n" + n.EN
			}
		}
		action := "playbook.saved"
		if !cur.Adopted {
			action, before = "playbook.adopted", nil
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: action, ObjectType: "playbook",
			ObjectID: key, Before: before, After: after})
	})
}
