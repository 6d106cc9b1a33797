package scope

import (
	"fmt"
	"slices"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// Three roles that are easily mixed up, each per subsector:
//   - the competent authority (bevoegde autoriteit): a minister (Cbw art. 15);
//   - the supervisor (toezichthouder): the inspectorate or regulator that
//     supervises on the minister's behalf (RDI, ILT, IGJ, NVWA, DNB, AFM);
//   - the CSIRT: receives incident reports and helps (NCSC; Z-CERT for
//     healthcare). The NCSC also runs the registration and reporting portal,
//     but it is not a supervisor.

// Role is one of the three roles.
type Role string

// The roles, in the order a reporting entity meets them.
const (
	RoleCSIRT      Role = "csirt"
	RoleAuthority  Role = "authority"
	RoleSupervisor Role = "supervisor"
)

// Body is a supervisor or a CSIRT (competent authorities are Authority).
type Body struct {
	Code string    `json:"code"`
	Name i18n.Text `json:"name"`
}

// Reference is a source the reference data relies on; docs/sources.md lists
// the same ids with more detail.
type Reference struct {
	ID   string `json:"id"`
	Cite string `json:"cite"`
	URL  string `json:"url"`
}

// Assignment is one role given to one body for a subsector, with whether we
// could confirm it from a source, and why not (or what it covers).
type Assignment struct {
	Code     string
	Name     i18n.Text
	Verified bool
	// Note says what is unverified or limits the assignment (e.g. "the AFM
	// for trading venues"); zero when there is nothing to add.
	Note i18n.Text
	// Sources back this assignment; empty when only the note explains it.
	Sources []Reference
}

// Supervision is who is who for one subsector.
type Supervision struct {
	Subsector string
	Authority Assignment
	// Supervisors is empty when the supervisor is not known yet;
	// SupervisorNote then says so.
	Supervisors    []Assignment
	SupervisorNote i18n.Text
	CSIRT          Assignment
	// Sources are the references this row rests on, in the data's order.
	Sources []Reference
}

// Verified reports whether every role of the row could be confirmed.
func (s Supervision) Verified() bool {
	if !s.Authority.Verified || !s.CSIRT.Verified || len(s.Supervisors) == 0 {
		return false
	}
	for _, a := range s.Supervisors {
		if !a.Verified {
			return false
		}
	}
	return true
}

type assignmentRecord struct {
	Code     string   `json:"code"`
	Verified bool     `json:"verified"`
	Note     string   `json:"note"`
	Sources  []string `json:"sources"`
}

type rolesRecord struct {
	Authority   assignmentRecord   `json:"authority"`
	Supervisors []assignmentRecord `json:"supervisors"`
	CSIRT       assignmentRecord   `json:"csirt"`
	Sources     []string           `json:"sources"`
}

// supervisorUnknownNote is the note id used when a row names no supervisor.
const supervisorUnknownNote = "supervisor_unknown"

func (ls *loadedSectors) loadSupervision(d sectorData) error {
	ls.bodies = map[string]Body{}
	ls.references = map[string]Reference{}
	ls.supervision = map[string]Supervision{}
	for _, r := range d.References {
		if r.ID == "" || r.Cite == "" || r.URL == "" {
			return fmt.Errorf("reference %q incomplete", r.ID)
		}
		if _, dup := ls.references[r.ID]; dup {
			return fmt.Errorf("reference %q twice", r.ID)
		}
		ls.references[r.ID] = r
		ls.refOrder = append(ls.refOrder, r)
	}
	for id, n := range d.Notes {
		if !n.Complete() {
			return fmt.Errorf("note %q incomplete", id)
		}
	}
	for _, b := range slices.Concat(d.Supervisors, d.CSIRTs) {
		if b.Code == "" || !b.Name.Complete() {
			return fmt.Errorf("body %q incomplete", b.Code)
		}
		if _, dup := ls.bodies[b.Code]; dup {
			return fmt.Errorf("body %q twice", b.Code)
		}
		if _, dup := ls.authByCode[b.Code]; dup {
			return fmt.Errorf("body %q is also an authority", b.Code)
		}
		ls.bodies[b.Code] = b
	}
	isCSIRT := func(code string) bool {
		return slices.ContainsFunc(d.CSIRTs, func(b Body) bool { return b.Code == code })
	}
	note := func(row, id string) (i18n.Text, error) {
		if id == "" {
			return i18n.Text{}, nil
		}
		n, ok := d.Notes[id]
		if !ok {
			return i18n.Text{}, fmt.Errorf("subsector %q: unknown note %q", row, id)
		}
		return n, nil
	}
	refs := func(row string, ids []string) ([]Reference, error) {
		var out []Reference
		for _, id := range ids {
			ref, ok := ls.references[id]
			if !ok {
				return nil, fmt.Errorf("subsector %q: unknown source %q", row, id)
			}
			out = append(out, ref)
		}
		return out, nil
	}
	for _, r := range d.Subsectors {
		s, roles := r.Subsector, r.Roles
		sup := Supervision{Subsector: s.Code}
		var err error
		a := ls.authByCode[s.Authority]
		sup.Authority = Assignment{Code: a.Code, Name: a.Name, Verified: roles.Authority.Verified}
		if sup.Authority.Note, err = note(s.Code, roles.Authority.Note); err != nil {
			return err
		}
		if sup.Authority.Sources, err = refs(s.Code, roles.Authority.Sources); err != nil {
			return err
		}
		if !isCSIRT(s.CSIRT) {
			return fmt.Errorf("subsector %q: unknown CSIRT %q", s.Code, s.CSIRT)
		}
		sup.CSIRT = Assignment{Code: s.CSIRT, Name: ls.bodies[s.CSIRT].Name, Verified: roles.CSIRT.Verified}
		if sup.CSIRT.Note, err = note(s.Code, roles.CSIRT.Note); err != nil {
			return err
		}
		if sup.CSIRT.Sources, err = refs(s.Code, roles.CSIRT.Sources); err != nil {
			return err
		}
		for _, ar := range roles.Supervisors {
			b, ok := ls.bodies[ar.Code]
			if !ok || isCSIRT(ar.Code) {
				return fmt.Errorf("subsector %q: unknown supervisor %q", s.Code, ar.Code)
			}
			as := Assignment{Code: b.Code, Name: b.Name, Verified: ar.Verified}
			if as.Note, err = note(s.Code, ar.Note); err != nil {
				return err
			}
			if as.Sources, err = refs(s.Code, ar.Sources); err != nil {
				return err
			}
			sup.Supervisors = append(sup.Supervisors, as)
		}
		if len(sup.Supervisors) == 0 {
			if sup.SupervisorNote, err = note(s.Code, supervisorUnknownNote); err != nil {
				return err
			}
		}
		for _, as := range append([]Assignment{sup.Authority, sup.CSIRT}, sup.Supervisors...) {
			if !as.Verified && !as.Note.Complete() {
				return fmt.Errorf("subsector %q: %s unverified without a note saying why", s.Code, as.Code)
			}
		}
		if len(roles.Sources) == 0 {
			return fmt.Errorf("subsector %q: no source", s.Code)
		}
		if sup.Sources, err = refs(s.Code, roles.Sources); err != nil {
			return err
		}
		if len(sup.Authority.Sources) == 0 || len(sup.CSIRT.Sources) == 0 {
			return fmt.Errorf("subsector %q: authority and CSIRT need a source", s.Code)
		}
		ls.supervision[s.Code] = sup
	}
	return nil
}

// SupervisionOf returns who is who for a subsector, and false for unknown codes.
func SupervisionOf(code string) (Supervision, bool) {
	s, ok := refData.supervision[code]
	if !ok {
		return Supervision{}, false
	}
	s.Supervisors = slices.Clone(s.Supervisors)
	for i := range s.Supervisors {
		s.Supervisors[i].Sources = slices.Clone(s.Supervisors[i].Sources)
	}
	s.Authority.Sources = slices.Clone(s.Authority.Sources)
	s.CSIRT.Sources = slices.Clone(s.CSIRT.Sources)
	s.Sources = slices.Clone(s.Sources)
	return s, true
}

// LookupBody returns the supervisor or CSIRT with code.
func LookupBody(code string) (Body, bool) {
	b, ok := refData.bodies[code]
	return b, ok
}

// References returns every source of the reference data, in the data's order.
func References() []Reference { return slices.Clone(refData.refOrder) }

// Recipient is one body an entity reports to or registers with, for the
// subsectors it serves.
type Recipient struct {
	Role Role
	// Code is empty for a supervisor that is not known yet.
	Code string
	Name i18n.Text
	// Verified is false when any subsector's assignment to this body is.
	Verified bool
	// Notes are the distinct notes of the assignments, in subsector order.
	Notes []i18n.Text
	// Sources are the distinct sources of the assignments.
	Sources []Reference
	// Subsectors are the entity's subsectors this recipient serves.
	Subsectors []string
}

// unknownSupervisor names a supervisor that the sources do not give yet.
var unknownSupervisor = i18n.Text{NL: "Toezichthouder nog niet bekend", EN: "Supervisor not yet known"}

// Recipients returns, for an entity's subsectors, the CSIRT(s), competent
// authorities and supervisors it reports to (a significant incident goes to
// both the CSIRT and the competent authority, Art. 23 NIS2 · Cbw; the
// supervisor acts for the minister), deduplicated: an entity in two sectors
// with the same CSIRT gets it once, with both subsectors listed. Order: CSIRTs,
// then authorities, then supervisors, each in the order the subsectors came.
// Unknown subsector codes are skipped.
func Recipients(subsectors []string) []Recipient {
	var byRole [3][]Recipient
	add := func(slot int, role Role, a Assignment, subsector string) {
		list := &byRole[slot]
		i := slices.IndexFunc(*list, func(r Recipient) bool { return r.Code == a.Code })
		if i < 0 {
			*list = append(*list, Recipient{Role: role, Code: a.Code, Name: a.Name, Verified: true})
			i = len(*list) - 1
		}
		r := &(*list)[i]
		r.Verified = r.Verified && a.Verified
		if a.Note.Complete() && !slices.Contains(r.Notes, a.Note) {
			r.Notes = append(r.Notes, a.Note)
		}
		for _, ref := range a.Sources {
			if !slices.Contains(r.Sources, ref) {
				r.Sources = append(r.Sources, ref)
			}
		}
		if !slices.Contains(r.Subsectors, subsector) {
			r.Subsectors = append(r.Subsectors, subsector)
		}
	}
	for _, code := range subsectors {
		s, ok := refData.supervision[code]
		if !ok {
			continue
		}
		add(0, RoleCSIRT, s.CSIRT, code)
		add(1, RoleAuthority, s.Authority, code)
		for _, a := range s.Supervisors {
			add(2, RoleSupervisor, a, code)
		}
		if len(s.Supervisors) == 0 {
			add(2, RoleSupervisor, Assignment{Name: unknownSupervisor, Note: s.SupervisorNote}, code)
		}
	}
	return slices.Concat(byRole[0], byRole[1], byRole[2])
}
