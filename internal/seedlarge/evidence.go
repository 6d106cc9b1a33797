package seedlarge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/training"
)

var evidenceTitles = []string{"Beleidsdocument", "Procesbeschrijving", "Testrapport", "Auditrapport", "Screenshot configuratie",
	"Notulen overleg", "Contract", "Certificaat", "Logboekexport", "Risicobeoordeling"}

// evidenceSubject is where an evidence item hangs: its subject type and the
// references of that type to spread the items over.
type evidenceSubject struct {
	typ  string
	refs []string
}

func idRefs(ids []int64) []string {
	out := make([]string, len(ids))
	for k, id := range ids {
		out[k] = strconv.FormatInt(id, 10)
	}
	return out
}

// subjects are the entity's evidence subjects of every type the evidence
// register knows that the dataset has records for.
func (s *seed) subjects() []evidenceSubject {
	var measures []string
	for _, m := range catalogue.Latest().Measures {
		measures = append(measures, m.Code)
	}
	var entries []string
	for _, e := range s.entries {
		entries = append(entries, incident.EntryRef(e.incident, e.entry))
	}
	all := []evidenceSubject{
		{measure.SubjectRequirement, s.requirementCodes}, {measure.SubjectMeasure, measures},
		{risk.SubjectJewel, idRefs(s.jewels)}, {risk.SubjectSupplier, idRefs(s.suppliers)}, {risk.SubjectScenario, idRefs(s.scenarios)},
		{risk.SubjectMitigation, idRefs(s.mitigations)}, {incident.SubjectIncident, idRefs(s.incidentIDs)},
		{incident.SubjectEntry, entries}, {training.SubjectRecord, idRefs(s.trainings)}, {incident.SubjectExercise, idRefs(s.exercises)},
	}
	out := all[:0]
	for _, sub := range all {
		if len(sub.refs) > 0 {
			out = append(out, sub)
		}
	}
	return out
}

// evidence adds the entity's evidence items, most of them small PDF files
// (one version each), the rest links; the auditor has reviewed half.
func (s *seed) evidence(ctx context.Context) error {
	n := s.e.Counts.Evidence
	ids, err := reserveIDs(ctx, s.tx, "evidence_items", n)
	if err != nil {
		return err
	}
	subjects := s.subjects()
	var items, versions [][]any
	for k, id := range ids {
		// Requirements carry the most evidence; the other types share the rest.
		sub := subjects[0]
		if k%2 == 1 {
			sub = subjects[1+k/2%(len(subjects)-1)]
		}
		ref := sub.refs[s.r.IntN(len(sub.refs))]
		title := fmt.Sprintf("%s %s-%d", pick(s.r, evidenceTitles), ref, k+1)
		created := s.r.timeBetween(s.created, s.o.Today.Add(-time.Hour))
		kind, url := "file", (*string)(nil)
		if s.r.chance(0.15) {
			u := fmt.Sprintf("https://intranet.%s.weerbaar.test/documenten/%d", s.e.Slug, k+1)
			kind, url = "link", &u
		}
		var validUntil *time.Time
		if s.r.chance(0.3) {
			v := s.o.Today.AddDate(0, 0, s.r.between(-60, 540))
			validUntil = &v
		}
		state, comment, reviewer, reviewed := "to_review", "", (*int64)(nil), (*time.Time)(nil)
		if s.r.chance(0.5) {
			at := s.r.timeBetween(created, s.o.Today)
			state, reviewer, reviewed = "accepted", &s.auditor, &at
			if s.r.chance(0.1) {
				state, comment = "rejected", "Niet de vastgestelde versie; lever het ondertekende document aan."
			}
		}
		items = append(items, []any{id, s.e.ID, kind, title, url, "", s.officer, created, sub.typ, ref, validUntil, state, comment, reviewer, reviewed})
		if kind == "file" {
			data := demo.MinimalPDF(title)
			sum := sha256.Sum256(data)
			versions = append(versions, []any{id, s.e.ID, 1, fmt.Sprintf("bewijs-%d.pdf", k+1), "application/pdf", len(data),
				hex.EncodeToString(sum[:]), data, s.officer, created})
		}
	}
	if err := copyRows(ctx, s.tx, "evidence_items", []string{"id", "entity_id", "kind", "title", "url", "description", "created_by",
		"created_at", "subject_type", "subject_ref", "valid_until", "review_state", "review_comment", "reviewed_by", "reviewed_at"}, items, true); err != nil {
		return err
	}
	return copyRows(ctx, s.tx, "evidence_versions", []string{"item_id", "entity_id", "version_no", "filename", "content_type", "size",
		"sha256", "data", "uploaded_by", "uploaded_at"}, versions, false)
}
