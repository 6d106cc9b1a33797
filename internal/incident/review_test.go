package incident_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// TestActionOverdue: an open action is overdue from the day after its due
// date; a done action never is.
func TestActionOverdue(t *testing.T) {
	due := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	done := due.AddDate(0, 0, 5)
	for _, c := range []struct {
		day    time.Time
		doneOn *time.Time
		want   bool
	}{
		{due.AddDate(0, 0, -1), nil, false},
		{due, nil, false},
		{due.AddDate(0, 0, 1), nil, true},
		{due.AddDate(0, 0, 30), &done, false},
	} {
		a := incident.Action{DueDate: due, DoneOn: c.doneOn}
		if got := a.Overdue(c.day); got != c.want {
			t.Errorf("due %s, day %s, done %v: overdue %v, want %v", due.Format(time.DateOnly), c.day.Format(time.DateOnly), c.doneOn != nil, got, c.want)
		}
	}
}

// TestReviewStore: the review is saved version-checked, completing it needs
// the root cause and the lessons, actions need a known requirement and a
// member as owner, and another entity sees none of it.
func TestReviewStore(t *testing.T) {
	f := setup(t)
	id := f.create(t, f.now.Add(-48*time.Hour), false, "stroomuitval")
	known := func(code string) bool { return code == "6.7" }

	err := incident.SaveReview(f.ctx, f.pool, f.anna, id, incident.ReviewInput{RootCause: "UPS defect", Complete: true}, f.now)
	if fe := validate.Fields(err); fe["lessons"] == "" {
		t.Fatalf("complete without lessons: %v", err)
	}
	if err := incident.SaveReview(f.ctx, f.pool, f.anna, id, incident.ReviewInput{RootCause: "UPS defect", Lessons: "Jaarlijks testen"}, f.now); err != nil {
		t.Fatal(err)
	}
	var c *incident.ReviewConflict
	if err := incident.SaveReview(f.ctx, f.pool, f.anna, id, incident.ReviewInput{Lessons: "Anders"}, f.now); !errors.As(err, &c) || c.Current.Lessons != "Jaarlijks testen" {
		t.Fatalf("stale review: %v", err)
	}
	if err := incident.SaveReview(f.ctx, f.pool, f.anna, id, incident.ReviewInput{RootCause: "UPS defect", Lessons: "Jaarlijks testen",
		Complete: true, Version: 1}, f.now); err != nil {
		t.Fatal(err)
	}
	if err := incident.SaveReview(f.ctx, f.pool, f.bert, id, incident.ReviewInput{Lessons: "x"}, f.now); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another entity's review: %v, want not found", err)
	}

	bad := incident.ActionInput{Title: "", RequirementCode: "9.9", OwnerID: strconv.FormatInt(f.bert.UserID, 10), DueDate: "morgen"}
	fe := validate.Fields(incident.AddAction(f.ctx, f.pool, f.anna, id, bad, known))
	for _, field := range []string{"action_title", "requirement", "owner", "due_date"} {
		if fe[field] == "" {
			t.Errorf("bad action: no error on %s (%v)", field, fe)
		}
	}
	good := incident.ActionInput{Title: "UPS vervangen", RequirementCode: "6.7", OwnerID: strconv.FormatInt(f.anna.UserID, 10), DueDate: "2026-12-01"}
	if err := incident.AddAction(f.ctx, f.pool, f.anna, id, good, known); err != nil {
		t.Fatal(err)
	}
	rv, err := incident.LoadReview(f.ctx, f.pool, f.anna.EntityID, id)
	if err != nil {
		t.Fatal(err)
	}
	if rv.CompletedAt == nil || rv.Version != 2 || len(rv.Actions) != 1 || rv.Actions[0].RequirementCode != "6.7" ||
		rv.Actions[0].DueDate.Format(time.DateOnly) != "2026-12-01" || rv.Actions[0].IncidentTitle != "Storing stroomuitval" {
		t.Fatalf("review as loaded: %+v", rv)
	}
	a := rv.Actions[0]
	if err := incident.SetActionDone(f.ctx, f.pool, f.anna, id, a.ID, true, a.Version+1, f.now); !errors.As(err, &c) {
		t.Errorf("stale done: %v", err)
	}
	if err := incident.SetActionDone(f.ctx, f.pool, f.bert, id, a.ID, true, a.Version, f.now); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another entity marks done: %v, want not found", err)
	}
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	if err := incident.SetActionDone(f.ctx, f.pool, f.anna, id, a.ID, true, a.Version, day); err != nil {
		t.Fatal(err)
	}
	if rv, err = incident.LoadReview(f.ctx, f.pool, f.anna.EntityID, id); err != nil || rv.Actions[0].DoneOn == nil ||
		!rv.Actions[0].DoneOn.Equal(day) {
		t.Errorf("done on: %+v %v", rv.Actions, err)
	}
	if other, err := incident.LoadReview(f.ctx, f.pool, f.bert.EntityID, id); err != nil || other.Version != 0 || len(other.Actions) != 0 {
		t.Errorf("another entity loads the review: %+v %v", other, err)
	}
}
