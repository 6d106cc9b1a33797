package server_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
)

// TestMalformedMultipartIsABadRequest sends broken multipart bodies to every
// upload route: each is a 400 page, never a 500 with an ERROR log line.
func TestMalformedMultipartIsABadRequest(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)
	if r := upload(t, off, a, base+"/evidence/attach/requirement/5.1", `filename="beleid.txt"`, []byte("beleid")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid upload: %d", r.StatusCode)
	}
	var itemID int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT max(id) FROM evidence_items WHERE entity_id = $1`, id).Scan(&itemID); err != nil {
		t.Fatal(err)
	}
	versions := func() (n int) {
		if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM evidence_versions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := versions()
	bodies := map[string]string{
		"other boundary": "--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n--X--\r\n",
		"truncated part": "--Y\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nBeleid\r\n--Y\r\n" +
			"Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhalf a fi",
		"truncated title": "--Y\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nBele",
	}
	for _, path := range []string{base + "/evidence/attach/requirement/5.1", base + "/evidence/attach/measure/a", base + "/evidence/" + strconv.FormatInt(itemID, 10) + "/versions"} {
		for name, body := range bodies {
			req, _ := http.NewRequest(http.MethodPost, a.URL(path), strings.NewReader(body))
			req.Header.Set("Content-Type", "multipart/form-data; boundary=Y")
			req.Header.Set("Origin", a.HTTP.URL)
			if r := off.Do(t, req); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "<html") {
				t.Errorf("%s, %s: status %d, want a 400 page", path, name, r.StatusCode)
			}
		}
	}
	if logs := a.Logs(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("malformed uploads logged errors:\n%s", logs)
	}
	if n := versions(); n != before {
		t.Errorf("malformed uploads stored %d versions", n-before)
	}
}
