// Package e2e drives the key journeys in real Chromium (Debian's
// /usr/bin/chromium, installed by .ci/run) against the real app.
package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds the browser; CHROMIUM overrides the default.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("WEERBAAR_SKIP_BROWSER") == "1" {
		t.Skip("no Chromium and WEERBAAR_SKIP_BROWSER=1")
	}
	t.Fatal("Chromium not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM; .ci/run installs it")
	return ""
}

// newBrowser starts a fresh headless Chromium for one test. When the test
// fails, a screenshot of the page is saved in the test's artifact directory
// (go test -artifacts keeps it).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	// Not t.TempDir: Chromium may still write there while the test's own
	// clean-up runs, so the folder is removed after the browser has exited.
	profile, err := os.MkdirTemp("", "weerbaar-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	if err := chromedp.Run(ctx); err != nil { // starts the browser
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			saveScreenshot(t, ctx)
		}
		cancelTimeout()
		cancelCtx()
		cancelAlloc() // waits for the browser process to exit
		_ = os.RemoveAll(profile)
	})
	return ctx
}

func saveScreenshot(t *testing.T, ctx context.Context) {
	var png []byte
	shotCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := chromedp.Run(shotCtx, chromedp.FullScreenshot(&png, 90)); err != nil {
		t.Logf("screenshot failed: %v", err)
		return
	}
	path := filepath.Join(t.ArtifactDir(), "failure.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("save screenshot: %v", err)
		return
	}
	t.Logf("screenshot of the failure: %s", path)
}

// login fills in the login form the browser is on and submits it.
func login(email, password string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.WaitVisible(`#f-email`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-email`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, password, chromedp.ByQuery),
		chromedp.Submit(`#f-password`, chromedp.ByQuery),
	}
}
