package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/loadgen"
)

// page is one page the bench drives, and who reads it.
type page struct {
	name, path, role string
	baseline         bool
	oneConnTarget    time.Duration
}

const readyzPage = "`/readyz` (baseline: one database round trip)"

// roleLabel names the signed-in account in the table.
func (p page) roleLabel() string {
	if p.role == "" {
		return ""
	}
	return map[string]string{officer: "officer", auditor: "auditor", board: "board member"}[p.role]
}

// benchPages are the pages of issue 15 on the largest entity, in the order
// of the table.
func benchPages(id, analysis int64, f facts) []page {
	e := "/e/" + strconv.FormatInt(id, 10)
	risks := e + "/risks/" + strconv.FormatInt(analysis, 10)
	return []page{
		{name: "`/healthz` (baseline: no database)", path: "/healthz", baseline: true},
		{name: readyzPage, path: "/readyz", baseline: true},
		{name: "Dashboard", path: e + "/", role: officer},
		{name: "Measures overview", path: e + "/measures", role: officer},
		{name: "One measure", path: e + "/measures/a", role: officer},
		{name: "Statement of Applicability", path: e + "/soa", role: officer},
		{name: "Risk register, first page", path: risks + "/register", role: officer, oneConnTarget: loadgen.TargetFirstPage},
		{name: "Risk register, filtered (critical)", path: risks + "/register?level=4", role: officer},
		{name: "Risk register, last page", path: risks + "/register?page=last", role: officer},
		{name: "Risk analysis (heat maps, first jewels and suppliers)", path: risks, role: officer},
		{name: "Crown jewels, first page", path: risks + "/jewels", role: officer},
		{name: "Supplier register, first page", path: risks + "/suppliers", role: officer},
		{name: "One supplier", path: e + "/risks/suppliers/" + strconv.FormatInt(f.supplierID, 10), role: officer},
		{name: "Incident list", path: e + "/incidents", role: officer},
		{name: "One incident", path: e + "/incidents/" + strconv.FormatInt(f.incidentID, 10), role: officer},
		{name: "Evidence register", path: e + "/evidence", role: officer},
		{name: "Audit log, first page", path: e + "/audit", role: auditor},
		{name: auditLastName, path: "", role: auditor},
		{name: "Board's screen", path: e + "/board", role: board},
	}
}

const auditLastName = "Audit log, last page"

// selectPages keeps the baselines and the pages whose name or path matches
// only (all pages when only is nil), for measuring one page while working on it.
func selectPages(pages []page, only *regexp.Regexp) []page {
	if only == nil {
		return pages
	}
	var kept []page
	for _, p := range pages {
		if p.baseline || only.MatchString(p.name) || only.MatchString(p.path) {
			kept = append(kept, p)
		}
	}
	return kept
}

var lastLink = regexp.MustCompile(`<a[^>]+href="([^"]+)"[^>]*(?:rel="last"|data-page="last")|<a[^>]+(?:rel="last"|data-page="last")[^>]*href="([^"]+)"`)

// resolveAuditLastPage fills in the audit log's last page: the first page's
// link to it (a keyset position, so there is nothing to compute instead).
func resolveAuditLastPage(ctx context.Context, base string, session http.Header, pages *[]page) error {
	var first *page
	for i := range *pages {
		if (*pages)[i].name == "Audit log, first page" {
			first = &(*pages)[i]
		}
	}
	for i := range *pages {
		p := &(*pages)[i]
		if p.name != auditLastName || first == nil {
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+first.path, nil)
		if err != nil {
			return err
		}
		req.Header = session.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		m := lastLink.FindStringSubmatch(string(body))
		if resp.StatusCode != http.StatusOK || m == nil {
			return fmt.Errorf("the audit log's first page (%s, status %d) has no link to its last page", first.path, resp.StatusCode)
		}
		p.path = html.UnescapeString(m[1] + m[2])
		if !strings.HasPrefix(p.path, "/") {
			p.path = first.path + p.path
		}
	}
	return nil
}

var hiddenInput = regexp.MustCompile(`<input[^>]*type="hidden"[^>]*>`)
var attr = regexp.MustCompile(`(name|value)="([^"]*)"`)

// signIn signs in through the login form as a browser would: it reads the
// form (keeping any hidden fields), posts it same-origin with Origin and
// Sec-Fetch-Site, and returns the session's Cookie header.
func signIn(ctx context.Context, base, email, password string) (http.Header, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/login", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("login form: status %d %v", resp.StatusCode, err)
	}
	form := url.Values{}
	for _, input := range hiddenInput.FindAllString(string(body), -1) {
		var name, value string
		for _, m := range attr.FindAllStringSubmatch(input, -1) {
			if m[1] == "name" {
				name = html.UnescapeString(m[2])
			} else {
				value = html.UnescapeString(m[2])
			}
		}
		if name != "" {
			form.Set(name, value)
		}
	}
	form.Set("email", email)
	form.Set("password", password)
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err = client.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || loc == "" || strings.HasPrefix(loc, "/login") {
		return nil, fmt.Errorf("login: status %d, location %q (wrong password, or MFA required?)", resp.StatusCode, loc)
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	var pairs []string
	for _, c := range jar.Cookies(u) {
		pairs = append(pairs, c.Name+"="+c.Value)
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("login: no session cookie")
	}
	return http.Header{"Cookie": {strings.Join(pairs, "; ")}}, nil
}
