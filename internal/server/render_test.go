package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/a-h/templ"
)

// text is a component that writes s.
func text(s string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	})
}

// TestPooledPageBuffersStartEmpty: pages render into reused buffers; a page
// never carries anything of the page rendered before it, a failed render
// leaves nothing behind either, and a buffer larger than maxPooledPage is
// not kept.
func TestPooledPageBuffersStartEmpty(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	long := strings.Repeat("<p>lang</p>", 10_000)
	for i, tc := range []struct {
		c    templ.Component
		want string
		err  bool
	}{
		{text(long), long, false},
		{text("kort"), "kort", false},
		{templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
			_, _ = io.WriteString(w, "half")
			return io.ErrUnexpectedEOF
		}), "", true},
		{text("na een fout"), "na een fout", false},
		{text(long + long), long + long, false},
		{text(""), "", false},
	} {
		rec := httptest.NewRecorder()
		err := writePage(rec, req, http.StatusOK, tc.c)
		if (err != nil) != tc.err {
			t.Fatalf("%d: err %v", i, err)
		}
		if got := rec.Body.String(); got != tc.want {
			t.Errorf("%d: body %.40q… (%d bytes), want %.40q… (%d bytes)", i, got, len(got), tc.want, len(tc.want))
		}
	}

	big := new(bytes.Buffer)
	big.Grow(maxPooledPage + 1)
	releasePageBuffer(big)
	for range 100 { // the pool may hold others; none of them is this one
		if b := pageBuffers.Get().(*bytes.Buffer); b == big {
			t.Fatal("a buffer above maxPooledPage was pooled")
		}
	}
}
