package config

import (
	"os/exec"
	"strings"
	"testing"
)

// TestConfigDependsOnNoDomainPackage: configuration is read before anything
// else and must not drag in the account code (or any other domain package);
// it needs only the secret-key parser.
func TestConfigDependsOnNoDomainPackage(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/weerbaar/weerbaar/") &&
			dep != "github.com/weerbaar/weerbaar/internal/config" && dep != "github.com/weerbaar/weerbaar/internal/secretkey" {
			t.Errorf("internal/config depends on %s", dep)
		}
	}
}
