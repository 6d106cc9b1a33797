package auth

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCommonPasswordList(t *testing.T) {
	t.Parallel()
	n := commonPasswordCount()
	if n < 9000 || n > 11000 {
		t.Fatalf("list has %d entries, want 9,000 to 11,000", n)
	}

	// The file is one lowercase entry per line without blanks or
	// duplicates, so the count above is the number of lines.
	lines := strings.Split(strings.TrimSuffix(commonPasswordsFile, "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("file has %d lines but %d distinct entries", len(lines), n)
	}
	long := 0
	for i, l := range lines {
		if l == "" || l != strings.ToLower(strings.TrimSpace(l)) {
			t.Fatalf("line %d %q is blank, padded or not lowercase", i+1, l)
		}
		if utf8.RuneCountInString(l) >= MinPasswordLength {
			long++
		}
	}
	// Only entries of 12+ characters can ever trigger "common"; the policy
	// test relies on some existing.
	if long == 0 {
		t.Fatal("no entry is long enough to pass the length check")
	}
	if lines[0] != "123456" || lines[1] != "password" {
		t.Fatalf("list starts %q, %q; want the most frequent first", lines[0], lines[1])
	}
}

func TestIsCommonPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pw   string
		want bool
	}{
		{"password", true},
		{"PASSWORD", true},
		{"123456", true},
		{"qwerty123456", true},
		{"leavemealone", true},
		{"LeaveMeAlone", true},
		{"", false},
		{"password ", false}, // exact match only
		{"correct horse battery staple", false},
		{"vlinder-kaas", false},
	}
	for _, tt := range tests {
		if got := IsCommonPassword(tt.pw); got != tt.want {
			t.Errorf("IsCommonPassword(%q) = %v, want %v", tt.pw, got, tt.want)
		}
	}
}
