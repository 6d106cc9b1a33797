package apptest

import (
	"runtime"
	"sync"
	"testing"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

func TestCopyHelpers(t *testing.T) {
	if got := Text(t, i18n.NL, "nav.scope"); got != "Scope & registratie" {
		t.Errorf("Text: %q", got)
	}
	if got := HTML(t, i18n.NL, "nav.scope"); got != "Scope &amp; registratie" {
		t.Errorf("HTML does not escape like templ: %q", got)
	}
	if got := HTML(t, i18n.EN, "evidence.error.too_large", 1); got != i18n.Translate(i18n.EN, "evidence.error.too_large", 1) {
		t.Errorf("HTML with an argument: %q", got)
	}
	if got := Stem(t, i18n.NL, "login.error.throttled"); got != "Te veel mislukte pogingen. Probeer het over " {
		t.Errorf("Stem: %q", got)
	}
}

// fatalTB records Fatalf and stops the goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	failed bool
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(string, ...any) {
	f.failed = true
	runtime.Goexit()
}

func TestCopyHelpersFailOnWhatCannotBeChecked(t *testing.T) {
	for name, call := range map[string]func(tb testing.TB){
		"missing key":      func(tb testing.TB) { Text(tb, i18n.NL, "no.such.key") },
		"missing HTML key": func(tb testing.TB) { HTML(tb, i18n.EN, "no.such.key") },
		"stem of nothing":  func(tb testing.TB) { Stem(tb, i18n.NL, "dashboard.mfa") }, // starts with %d
		"missing stem key": func(tb testing.TB) { Stem(tb, i18n.NL, "no.such.key") },
	} {
		tb := &fatalTB{TB: t}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			call(tb)
		}()
		wg.Wait()
		if !tb.failed {
			t.Errorf("%s: the helper did not fail the test", name)
		}
	}
}
