// Package components holds the building blocks every page uses once: form
// fields with errors, alerts, badges, empty states.
package components

import (
	"sort"
	"strconv"
)

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func itoa(n int) string { return strconv.Itoa(n) }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func alertIcon(kind string) string {
	switch kind {
	case "success":
		return "✓"
	case "warning", "danger":
		return "!"
	}
	return "i"
}
