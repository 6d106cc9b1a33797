package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/seedlarge"
)

// TestSeedLargeCommand: seed-large builds a small dataset, prints its
// accounts with the password, leaves a chain `audit verify` accepts, and a
// second run changes nothing and prints the same accounts as JSON.
func TestSeedLargeCommand(t *testing.T) {
	t.Parallel()
	_, conn := dbtest.NewWithConnString(t)
	getenv := envOf(map[string]string{"DATABASE_URL": conn})
	args := []string{"seed-large", "--scale", "0.02", "--entities", "2", "--today", "2026-11-30"}
	var out bytes.Buffer
	if err := run(context.Background(), args, getenv, &out, io.Discard); err != nil {
		t.Fatalf("seed-large: %v\n%s", err, out.String())
	}
	for _, w := range []string{"large dataset created", seedlarge.Password, "groot-01", "groot-02", "officer@groot-01.weerbaar.test",
		"board@groot-02.weerbaar.test", "60 scenarios", "2000 audit rows"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"audit", "verify"}, getenv, &out, io.Discard); err != nil || !strings.Contains(out.String(), "keten intact") {
		t.Fatalf("audit verify: %v %s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), append(args, "--json"), getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Created  bool   `json:"created"`
		Password string `json:"password"`
		Entities []struct {
			ID         int64 `json:"id"`
			AnalysisID int64 `json:"analysis_id"`
			Accounts   []struct {
				Role, Email string
			} `json:"accounts"`
		} `json:"entities"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if res.Created || res.Password != seedlarge.Password || len(res.Entities) != 2 || res.Entities[0].AnalysisID == 0 ||
		len(res.Entities[0].Accounts) != 4 || res.Entities[0].Accounts[0].Email != "officer@groot-01.weerbaar.test" {
		t.Errorf("second run: %+v", res)
	}
}
