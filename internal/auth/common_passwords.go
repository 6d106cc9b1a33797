package auth

// The list in common-passwords.txt holds the 10,000 most frequent passwords,
// one per line, lowercase, most frequent first.
//
// Source: data/passwords.txt of the Go module github.com/trustelem/zxcvbn
// v1.0.1 (a port of Dropbox's zxcvbn, whose frequency data it copies
// unchanged). The first 10,000 lines of that file, which is ordered by
// descending frequency, with the counts dropped. Upstream, Dropbox derived
// the counts from Mark Burnett's 10 million password corpus.
//
// Licence: MIT. Copyright (c) 2018 Vincent Vanackere and Trustelem (the Go
// port), Copyright (c) 2012-2016 Dan Wheeler and Dropbox, Inc. (zxcvbn and
// its data). The MIT licence lets us redistribute the data with this
// notice.
//
// To regenerate:
//
//	GOFLAGS=-mod=mod go mod download -json github.com/trustelem/zxcvbn@v1.0.1
//	head -10000 "$DIR/data/passwords.txt" | awk '{print tolower($1)}' > common-passwords.txt

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed common-passwords.txt
var commonPasswordsFile string

// commonPasswords is parsed on first use, not at start-up, so binaries and
// tests that never check a new password do not pay for it.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 10000)
	for line := range strings.Lines(commonPasswordsFile) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		set[strings.ToLower(line)] = struct{}{}
	}
	return set
})

// IsCommonPassword reports whether pw is on the shipped list of the most
// common passwords, ignoring case. Attackers try these first in online
// guessing and credential-stuffing attacks, and NIST 800-63B asks that new
// passwords be checked against such a list. The match is exact (no
// stripping of digits or punctuation), so the refusal is predictable for
// the person choosing a password.
func IsCommonPassword(pw string) bool {
	_, ok := commonPasswords()[strings.ToLower(pw)]
	return ok
}

// commonPasswordCount returns the number of distinct entries on the list;
// tests use it to check that the embedded file is the one we meant to ship.
func commonPasswordCount() int {
	return len(commonPasswords())
}
