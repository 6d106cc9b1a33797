package report

import (
	"encoding/json"
	"os"
	"testing"
)

// TestGenerateSchema rewrites docs/package-schema.json from the table
// definitions when WEERBAAR_WRITE_SCHEMA=1 (run it after changing a table).
func TestGenerateSchema(t *testing.T) {
	if os.Getenv("WEERBAAR_WRITE_SCHEMA") != "1" {
		t.Skip("set WEERBAAR_WRITE_SCHEMA=1 to rewrite docs/package-schema.json")
	}
	b, err := json.MarshalIndent(Schema(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("../../docs/package-schema.json", append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
