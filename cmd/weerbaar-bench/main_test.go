package main

import (
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/loadgen"
)

func TestTooSlowScalesP50ToTheNextConcurrency(t *testing.T) {
	for _, c := range []struct {
		s    loadgen.Stats
		next int
		want string
	}{
		{loadgen.Stats{Conns: 8, Requests: 16, P50: 2 * time.Second}, 32, ""}, // 8 s expected
		{loadgen.Stats{Conns: 8, Requests: 16, P50: 3 * time.Second}, 32, "p50 3.00 s at 8 connections"},
		{loadgen.Stats{Conns: 1, Requests: 1, P50: 7 * time.Second}, 8, "p50 7.00 s at 1 connection"},
		{loadgen.Stats{Conns: 1, Errors: 1, FirstErr: "status 500"}, 8, "no answer 200 at 1 connection (status 500)"},
	} {
		if got := tooSlow(c.s, c.next, 10*time.Second); got != c.want {
			t.Errorf("tooSlow(%+v, %d) = %q, want %q", c.s, c.next, got, c.want)
		}
	}
}

func TestPagesFlagKeepsTheBaselinesAndTheMatchingPages(t *testing.T) {
	o, err := parseFlags([]string{"-pages", "Risk register|/audit"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range selectPages(benchPages(1, 2, facts{}), o.only) {
		got = append(got, p.name)
	}
	want := []string{"`/healthz` (baseline: no database)", readyzPage,
		"Risk register, first page", "Risk register, filtered (critical)", "Risk register, last page",
		"Audit log, first page"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("pages = %q, want %q", got, want)
	}
	if all, _ := parseFlags(nil); len(selectPages(benchPages(1, 2, facts{}), all.only)) != len(benchPages(1, 2, facts{})) {
		t.Error("without -pages every page must run")
	}
	if _, err := parseFlags([]string{"-pages", "("}); err == nil {
		t.Error("a malformed -pages expression must be refused")
	}
}
