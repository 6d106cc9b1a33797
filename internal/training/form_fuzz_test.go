package training

import (
	"slices"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// FuzzRecordInput: the training record form. Accepted: a member, a course
// and provider, dates in 1950–2200 in order (started ≤ completed ≤ valid
// until), a validity only for a certificate.
func FuzzRecordInput(f *testing.F) {
	f.Add("3", "NIS2 voor bestuurders", "2026-01-10", "2026-01-12", "2028-01-12", true)
	f.Add("4", "x", "2026-01-13", "2026-01-12", "", false)
	f.Add("+3", " ", "", "", "2026-01-01", false)
	f.Add("3", "y", "1949-12-31", "2200-12-31", "2201-01-01", true)
	members := map[int64]bool{3: true}
	f.Fuzz(func(t *testing.T, user, course, started, completed, until string, certified bool) {
		p, err := RecordInput{UserID: user, Course: course, Provider: "Academie", StartedOn: started, CompletedOn: completed,
			ValidUntil: until, Certified: certified}.parse(members)
		if err != nil {
			for field, key := range validate.Fields(err) {
				if !slices.Contains([]string{"user_id", "course", "provider", "topics", "started_on", "completed_on", "valid_until"}, field) ||
					i18n.Translate(i18n.NL, key) == key {
					t.Fatalf("error %q on field %q", key, field)
				}
			}
			if len(validate.Fields(err)) == 0 {
				t.Fatalf("error %v without a field", err)
			}
			return
		}
		if !members[p.userID] || p.course == "" || p.completedOn == nil {
			t.Fatalf("accepted %+v", p)
		}
		for _, d := range []*time.Time{p.startedOn, p.completedOn, p.until} {
			if d != nil && (d.Year() < 1950 || d.Year() > 2200) {
				t.Fatalf("date %v accepted", d)
			}
		}
		if p.startedOn != nil && p.startedOn.After(*p.completedOn) || p.until != nil && (p.until.Before(*p.completedOn) || !certified) {
			t.Fatalf("dates %v %v %v (certified %v) accepted", p.startedOn, p.completedOn, p.until, certified)
		}
	})
}
