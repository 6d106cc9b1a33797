package server

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/web/pages/auditlog"
)

// actionLiteral finds the action of an audit event written as a literal,
// e.g. audit.Event{Action: "measure.updated", …}, or assigned to a variable
// named action.
var actionLiteral = regexp.MustCompile(`(?:Action:\s*|action(?:, \w+)* :?= [^"\n]*)"([a-z_]+\.[a-z_]+)"`)

// objectLiteral finds the object type of an audit event written as a literal.
var objectLiteral = regexp.MustCompile(`ObjectType:\s*"([a-z_]+)"`)

// TestEveryEntityAuditActionHasALabel reads the source of every package and
// fails when an entity audit event's action has no label on the audit log
// page, so a new module cannot add events that the page would show as
// "Andere wijziging", or object types the object filter does not offer. Account events (user.*) go to the instance chain, except
// the two that an entity admin causes.
func TestEveryEntityAuditActionHasALabel(t *testing.T) {
	root := filepath.Join("..", "..", "internal")
	found := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range objectLiteral.FindAllStringSubmatch(string(src), -1) {
			if !slices.Contains(auditlog.ObjectTypes, m[1]) {
				t.Errorf("%s: audit object type %q is not in auditlog.ObjectTypes (and audit.object.%s in the catalogues)", path, m[1], m[1])
			}
		}
		for _, m := range actionLiteral.FindAllStringSubmatch(string(src), -1) {
			action := m[1]
			found++
			if strings.HasPrefix(action, "user.") && action != "user.enabled" && action != "user.disabled" {
				continue
			}
			if !auditActionKeys[action] {
				t.Errorf("%s: audit action %q has no label in auditActionKeys (and audit.action.%s in the catalogues)", path, action, action)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 20 {
		t.Fatalf("found only %d audit actions in the source; the pattern no longer matches how events are written", found)
	}
}

// TestEveryAuditLabelIsInBothCatalogues: each labelled action has its label
// and its sentence, each object type and each ordered field its name, in
// Dutch and in English — a missing key would show as the raw key on the
// audit log page.
func TestEveryAuditLabelIsInBothCatalogues(t *testing.T) {
	var keys []string
	for action := range auditActionKeys {
		keys = append(keys, "audit.action."+action, "audit.sentence."+action)
	}
	for _, o := range auditlog.ObjectTypes {
		keys = append(keys, "audit.object."+o)
	}
	for _, f := range auditFieldOrder {
		keys = append(keys, "audit.field."+f)
	}
	for _, l := range []i18n.Lang{i18n.NL, i18n.EN} {
		have := map[string]bool{}
		for _, k := range i18n.Keys(l) {
			have[k] = true
		}
		for _, k := range keys {
			if !have[k] {
				t.Errorf("%s: no %q", l, k)
			}
		}
	}
}
