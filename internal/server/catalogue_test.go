package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
)

var nlCtx = i18n.WithLang(context.Background(), i18n.NL)

// olderEdition publishes, in a's database, an edition older than the one
// this build ships, in which requirement 6.8 had another text, and puts the
// entity on it: the situation of an installation after an upgrade brought a
// corrected edition.
func olderEdition(t *testing.T, a *apptest.App, entityID int64) *catalogue.Catalogue {
	t.Helper()
	latest := catalogue.Latest()
	c := *latest
	c.Version = "2025.9"
	c.Requirements = append([]catalogue.Requirement(nil), latest.Requirements...)
	var req *catalogue.Requirement
	for i := range c.Requirements {
		if c.Requirements[i].Code == "6.8" {
			req = &c.Requirements[i]
		}
	}
	req.Text.NL, req.Text.EN = "Oude tekst over netwerksegmentatie.", "Old text on network segmentation."
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	old, err := catalogue.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := catalogue.SyncEditions(ctx, a.Pool, []*catalogue.Catalogue{old, latest}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pool.Exec(ctx, `UPDATE entities SET catalogue_edition = '2025.9' WHERE id = $1`, entityID); err != nil {
		t.Fatal(err)
	}
	return old
}

// TestNewerCatalogueEditionIsOfferedAndAdopted: an entity on an older
// edition reads that edition's texts, sees that a newer edition is available
// with the changed requirement text, and an officer adopts it (audit-logged);
// the auditor may not; afterwards the page offers nothing and shows the new
// text.
func TestNewerCatalogueEditionIsOfferedAndAdopted(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	olderEdition(t, a, id)
	latest := catalogue.Latest()
	newText, _ := latest.Requirement("6.8")

	off := a.LoginDemo(t, authz.SecurityOfficer)
	r := off.Get(t, base+"/requirements/6.8")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Oude tekst over netwerksegmentatie.") {
		t.Fatalf("requirement page on the older edition: %d", r.StatusCode)
	}
	r = off.Get(t, base+"/measures")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-edition-offer="`+latest.Version+`"`) ||
		!strings.Contains(r.Body, i18n.T(nlCtx, "catalogue.newer.title")) || !strings.Contains(r.Body, `data-change="6.8"`) ||
		!strings.Contains(r.Body, "Oude tekst over netwerksegmentatie.") || !strings.Contains(r.Body, newText.Text.NL) ||
		!strings.Contains(r.Body, `data-adopt-edition`) || !strings.Contains(r.Body, `data-catalogue-edition="2025.9"`) {
		t.Fatalf("measures page does not offer the newer edition: %d\n%s", r.StatusCode, r.Body)
	}
	if strings.Count(r.Body, "data-change=") != 1 {
		t.Errorf("%d changes listed, want 1", strings.Count(r.Body, "data-change="))
	}

	aud := a.LoginDemo(t, authz.Auditor)
	if r := aud.Get(t, base+"/measures"); !strings.Contains(r.Body, "data-edition-offer") || strings.Contains(r.Body, "data-adopt-edition") {
		t.Error("the auditor should see the offer without the button")
	}
	form := url.Values{"from": {"2025.9"}, "to": {latest.Version}}
	if r := aud.PostForm(t, base+"/measures/catalogue-edition", form); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor adopts: %d", r.StatusCode)
	}
	if r := off.PostForm(t, base+"/measures/catalogue-edition", url.Values{"from": {"2025.9"}, "to": {"2025.9"}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("adopting an edition that is not the newest: %d", r.StatusCode)
	}
	if r := off.PostForm(t, base+"/measures/catalogue-edition", url.Values{"from": {"2024.1"}, "to": {latest.Version}}); r.StatusCode != http.StatusConflict {
		t.Errorf("adopting from an edition the entity is not on: %d", r.StatusCode)
	}
	if r := off.PostForm(t, base+"/measures/catalogue-edition", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("adopting: %d", r.StatusCode)
	}
	r = off.Get(t, base+"/measures")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, i18n.T(nlCtx, "catalogue.adopted")) || strings.Contains(r.Body, "data-edition-offer") {
		t.Fatalf("after adopting: %d", r.StatusCode)
	}
	var edition string
	var events int
	ctx := context.Background()
	if err := a.Pool.QueryRow(ctx, `SELECT catalogue_edition FROM entities WHERE id = $1`, id).Scan(&edition); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'catalogue.adopted'
		AND changes->'before'->>'catalogue_edition' = '2025.9' AND changes->'after'->>'catalogue_edition' = $2`, id, latest.Version).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if edition != latest.Version || events != 1 {
		t.Errorf("entity on %q with %d audit events", edition, events)
	}
	if r := off.Get(t, base+"/requirements/6.8"); !strings.Contains(r.Body, newText.Text.NL) {
		t.Error("requirement page does not show the adopted edition's text")
	}
	// Adopting again (a second tab) changes nothing.
	if r := off.PostForm(t, base+"/measures/catalogue-edition", form); r.StatusCode != http.StatusSeeOther {
		t.Errorf("adopting twice: %d", r.StatusCode)
	}
	if err := a.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'catalogue.adopted'`, id).Scan(&events); err != nil || events != 1 {
		t.Errorf("%d audit events after adopting twice (%v)", events, err)
	}
}

// TestUpToDateEntityIsOfferedNothing: the demo entity is on the newest
// edition, so the measures page shows its edition and no offer.
func TestUpToDateEntityIsOfferedNothing(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	r := a.LoginDemo(t, authz.SecurityOfficer).Get(t, "/e/"+strconv.FormatInt(id, 10)+"/measures")
	if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "data-edition-offer") ||
		!strings.Contains(r.Body, `data-catalogue-edition="`+catalogue.Latest().Version+`"`) {
		t.Errorf("up-to-date entity: %d", r.StatusCode)
	}
}
