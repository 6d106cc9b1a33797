package seedlarge

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/weerbaar/weerbaar/internal/audit"
)

// event is one generated audit event with its actor.
type event struct {
	e     audit.Event
	actor int64
}

// audit writes the entity's history: its creation, the four memberships and
// then Counts.AuditRows − 5 changes to the records built above, spread
// evenly from the creation until an hour before Today, as one valid hash
// chain, hashed by audit.Chain the way Record hashes and streamed into one
// COPY.
func (s *seed) audit(ctx context.Context) error {
	chain, err := audit.LockChain(ctx, s.tx, s.e.ID)
	if err != nil {
		return err
	}
	emails := map[int64]string{}
	for _, a := range s.e.Accounts {
		emails[a.UserID] = a.Email
	}
	meta := func(actor int64) audit.Meta {
		return audit.Meta{ActorID: actor, ActorEmail: emails[actor], IP: fmt.Sprintf("10.20.%d.%d", s.i, 10+actor%200),
			UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"}
	}
	first := []event{{audit.Event{Action: "entity.created", ObjectType: "entity", ObjectID: strconv.FormatInt(s.e.ID, 10),
		After: map[string]any{"slug": s.e.Slug, "name": s.e.Name, "city": profiles[s.i].city}}, s.admin}}
	for _, a := range s.e.Accounts {
		first = append(first, event{audit.Event{Action: "membership.added", ObjectType: "membership", ObjectID: strconv.FormatInt(a.UserID, 10),
			After: map[string]any{"email": a.Email, "role": string(a.Role)}}, s.admin})
	}
	n := s.e.Counts.AuditRows
	start, end := s.created, s.o.Today.Add(-time.Hour)
	step := end.Sub(start) / time.Duration(n)
	_, err = chain.Copy(ctx, s.tx, n, func(k int) audit.Entry {
		ev := s.historyEvent(k)
		if k < len(first) {
			ev = first[k]
		}
		at := start.Add(step * time.Duration(k)).Add(time.Duration(s.r.Int64N(int64(step))))
		return audit.Entry{Event: ev.e, Meta: meta(ev.actor), At: at}
	})
	return err
}

// historyEvent is a change of one of the entity's records, chosen by k.
func (s *seed) historyEvent(k int) event {
	ref := func(ids []int64) string { return strconv.FormatInt(ids[s.r.IntN(len(ids))], 10) }
	from := s.r.between(0, 4)
	to := from + 1
	switch k % 10 {
	case 0, 1:
		code := pick(s.r, s.requirementCodes)
		return event{audit.Event{Action: "requirement.updated", ObjectType: "requirement", ObjectID: code,
			Before: map[string]any{"maturity": from, "status": statusOf(from)}, After: map[string]any{"maturity": to, "status": statusOf(to)}}, s.officer}
	case 2:
		return event{audit.Event{Action: "risk_scenario.updated", ObjectType: "risk_scenario", ObjectID: ref(s.scenarios),
			Before: map[string]any{"likelihood": to}, After: map[string]any{"likelihood": max(1, from)}}, s.officer}
	case 3:
		return event{audit.Event{Action: "risk_scenario.treated", ObjectType: "risk_scenario", ObjectID: ref(s.scenarios),
			After: map[string]any{"treatment": pick(s.r, treatments)}}, s.officer}
	case 4:
		return event{audit.Event{Action: "risk_jewel.updated", ObjectType: "risk_jewel", ObjectID: ref(s.jewels),
			Before: map[string]any{"rto_hours": 24}, After: map[string]any{"rto_hours": s.r.between(1, 23)}}, s.officer}
	case 5:
		return event{audit.Event{Action: "risk_supplier.updated", ObjectType: "risk_supplier", ObjectID: ref(s.suppliers),
			Before: map[string]any{"assessment_result": ""}, After: map[string]any{"assessment_result": "sufficient"}}, s.officer}
	case 6:
		return event{audit.Event{Action: "evidence.uploaded", ObjectType: "evidence", ObjectID: strconv.Itoa(k),
			After: map[string]any{"title": pick(s.r, evidenceTitles) + " " + strconv.Itoa(k), "version": 1}}, s.officer}
	case 7:
		return event{audit.Event{Action: "evidence.reviewed", ObjectType: "evidence", ObjectID: strconv.Itoa(k - 1),
			Before: map[string]any{"review_state": "to_review"}, After: map[string]any{"review_state": "accepted"}}, s.auditor}
	case 8:
		return event{audit.Event{Action: "incident.entry_added", ObjectType: "incident", ObjectID: ref(s.incidentIDs),
			After: map[string]any{"entry": "Logbestanden veiliggesteld."}}, s.officer}
	}
	return event{audit.Event{Action: "incident.status_changed", ObjectType: "incident", ObjectID: ref(s.incidentIDs),
		Before: map[string]any{"status": "open"}, After: map[string]any{"status": "contained"}}, s.officer}
}
