package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"testing"
)

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// exportedLine builds one line of an exported chain.
func exportedLine(seq int64, prev, body string) (string, string) {
	canon := `{"seq":` + strconv.FormatInt(seq, 10) + `,` + body + `}`
	sum := sha256.Sum256([]byte(prev + canon))
	h := hex.EncodeToString(sum[:])
	return canon[:len(canon)-1] + `,"prev_hash":"` + prev + `","hash":"` + h + `"}`, h
}

// FuzzCheckJSONL: an exported audit chain (audit-log.jsonl in a package an
// auditor checks). Any bytes are refused or accepted without a panic; an
// accepted chain has one row per non-blank line, sequence numbers 1…n, and
// a head hash that is a SHA-256; dropping its last line still verifies
// (the package verifier catches a cut tail by the manifest's head) but no
// longer with the same head.
func FuzzCheckJSONL(f *testing.F) {
	l1, h1 := exportedLine(1, GenesisHash, `"action":"entity.created"`)
	l2, _ := exportedLine(2, h1, `"action":"user.invited","after":{"email":"a@b.nl"}`)
	f.Add([]byte(l1 + "\n" + l2 + "\n"))
	f.Add([]byte(l1 + "\r\n\n" + l2))
	f.Add([]byte(l2 + "\n" + l1 + "\n"))
	f.Add([]byte(`{"seq":1,"prev_hash":"x","hash":"y"}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := CheckJSONL(bytes.NewReader(b))
		if err != nil {
			return
		}
		lines, last := 0, 0
		split := bytes.Split(b, []byte("\n"))
		for i, l := range split {
			if len(bytes.TrimSpace(l)) > 0 {
				lines, last = lines+1, i
			}
		}
		if c.Rows != lines || c.HeadSeq != int64(c.Rows) || c.Rows > 0 && !hexHash.MatchString(c.HeadHash) || c.Rows == 0 && c.HeadHash != "" {
			t.Fatalf("accepted as %+v from %d lines", c, lines)
		}
		if c.Rows == 0 {
			return
		}
		cut := bytes.Join(split[:last], []byte("\n"))
		if short, err := CheckJSONL(bytes.NewReader(cut)); err != nil || short.Rows != c.Rows-1 || short.HeadHash == c.HeadHash {
			t.Fatalf("without its last line: %+v, %v (full %+v)", short, err, c)
		}
	})
}
