package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
)

// BenchmarkHTTP measures requests per second of the security officer's
// dashboard and of the risk register's first page over 3,000 scenarios
// beside /healthz (no database) and /readyz (one database round trip) in one
// run, on the real server over loopback (plain HTTP, so TLS
// does not blur the comparison), with 4 concurrent clients per CPU. The
// budget (ARCHITECTURE.md) is every main page at ≥ 25 % of /readyz.
//
//	make bench-http
func BenchmarkHTTP(b *testing.B) {
	a := apptest.Start(b, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(b)
	analysis := seedLargeAnalysis(b, a, id, 3000)
	officer := a.LoginDemo(b, authz.SecurityOfficer)
	base, err := url.Parse(a.HTTP.URL)
	if err != nil {
		b.Fatal(err)
	}
	cookies := officer.HTTP.Jar.Cookies(base)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.Cleanup(client.CloseIdleConnections)
	for _, page := range []struct{ name, path string }{
		{"healthz", "/healthz"},
		{"readyz", "/readyz"},
		{"dashboard", "/e/" + strconv.FormatInt(id, 10) + "/"},
		{"risk_register_3000", "/e/" + strconv.FormatInt(id, 10) + "/risks/" + strconv.FormatInt(analysis, 10) + "/register"},
	} {
		b.Run(page.name, func(b *testing.B) {
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, err := http.NewRequest(http.MethodGet, a.URL(page.path), nil)
					if err != nil {
						b.Error(err)
						return
					}
					for _, ck := range cookies {
						req.AddCookie(ck)
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("GET %s: %d", page.path, resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
