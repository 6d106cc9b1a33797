package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// ChainChecker re-verifies an exported chain (the JSONL that ExportLine
// writes) line by line, without a database: the evidence package's verifier
// and its builder use it, so both check exactly what an auditor's own
// script would (the recipe on ExportLine).
type ChainChecker struct {
	// Rows is the number of lines checked; HeadSeq and HeadHash are the last
	// row's sequence number and hash (0 and "" for an empty chain).
	Rows     int
	HeadSeq  int64
	HeadHash string
}

// Line checks one exported line (with or without its trailing newline)
// against the previous ones and returns why it breaks the chain, or nil.
func (c *ChainChecker) Line(line []byte) error {
	line = bytes.TrimRight(line, "\r\n")
	n := c.Rows + 1
	i := bytes.LastIndex(line, []byte(`,"prev_hash":`))
	if i < 0 || len(line) == 0 || line[len(line)-1] != '}' {
		return fmt.Errorf("line %d: not an exported audit row", n)
	}
	var tail struct {
		PrevHash string `json:"prev_hash"`
		Hash     string `json:"hash"`
	}
	if err := json.Unmarshal(append([]byte{'{'}, line[i+1:]...), &tail); err != nil {
		return fmt.Errorf("line %d: prev_hash and hash: %w", n, err)
	}
	canon := append(bytes.Clone(line[:i]), '}')
	var head struct {
		Seq int64 `json:"seq"`
	}
	if err := json.Unmarshal(canon, &head); err != nil {
		return fmt.Errorf("line %d: %w", n, err)
	}
	wantSeq, wantPrev := int64(1), GenesisHash
	if c.Rows > 0 {
		wantSeq, wantPrev = c.HeadSeq+1, c.HeadHash
	}
	if head.Seq != wantSeq {
		return fmt.Errorf("line %d: seq %d, expected %d (rows removed or reordered)", n, head.Seq, wantSeq)
	}
	if tail.PrevHash != wantPrev {
		return fmt.Errorf("line %d (seq %d): prev_hash does not match the previous row's hash", n, head.Seq)
	}
	h := sha256.New()
	h.Write([]byte(tail.PrevHash))
	h.Write(canon)
	if hex.EncodeToString(h.Sum(nil)) != tail.Hash {
		return fmt.Errorf("line %d (seq %d): hash mismatch (row changed)", n, head.Seq)
	}
	c.Rows, c.HeadSeq, c.HeadHash = n, head.Seq, tail.Hash
	return nil
}

// Row writes r as its exported line (ExportLine) and checks it like Line
// would, from the canonical bytes it has already made instead of parsing
// the line again: one serialisation and one hash per row, for the package
// builder. broken says why r breaks the chain (nil: it does not); err is a
// row that cannot be serialised.
func (c *ChainChecker) Row(r Row) (line []byte, broken, err error) {
	canon, err := canonicalRow(r)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: export row %d: %w", r.ID, err)
	}
	n := c.Rows + 1
	wantSeq, wantPrev := int64(1), GenesisHash
	if c.Rows > 0 {
		wantSeq, wantPrev = c.HeadSeq+1, c.HeadHash
	}
	h := sha256.New()
	h.Write([]byte(r.PrevHash))
	h.Write(canon)
	switch {
	case r.Seq != wantSeq:
		broken = fmt.Errorf("line %d: seq %d, expected %d (rows removed or reordered)", n, r.Seq, wantSeq)
	case r.PrevHash != wantPrev:
		broken = fmt.Errorf("line %d (seq %d): prev_hash does not match the previous row's hash", n, r.Seq)
	case hex.EncodeToString(h.Sum(nil)) != r.Hash:
		broken = fmt.Errorf("line %d (seq %d): hash mismatch (row changed)", n, r.Seq)
	default:
		c.Rows, c.HeadSeq, c.HeadHash = n, r.Seq, r.Hash
	}
	b := bytes.NewBuffer(canon[:len(canon)-1])
	b.WriteString(`,"prev_hash":`)
	writeString(b, r.PrevHash)
	b.WriteString(`,"hash":`)
	writeString(b, r.Hash)
	b.WriteString("}\n")
	return b.Bytes(), broken, nil
}

// CheckJSONL re-verifies a whole exported chain read from r; a break is
// returned as an error naming the line.
func CheckJSONL(r io.Reader) (ChainChecker, error) {
	var c ChainChecker
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if lerr := c.Line(line); lerr != nil {
				return c, lerr
			}
		}
		if err == io.EOF {
			return c, nil
		}
		if err != nil {
			return c, err
		}
	}
}

// ActionCount is how often an action was recorded in a period.
type ActionCount struct {
	Action string `db:"action" json:"action"`
	Count  int    `db:"n" json:"count"`
}

// CountByAction counts the entity's audit rows per action recorded in
// [from, to), most frequent first, in one query: the audit-log summary of
// the evidence package.
func CountByAction(ctx context.Context, q db.Querier, entityID int64, from, to time.Time) ([]ActionCount, error) {
	rows, err := q.Query(ctx, `SELECT action, count(*)::int AS n FROM audit_log
		WHERE entity_id = @entity AND at >= @from AND at < @to GROUP BY action ORDER BY n DESC, action`,
		pgx.StrictNamedArgs{"entity": entityID, "from": from, "to": to})
	if err != nil {
		return nil, fmt.Errorf("audit: count actions of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[ActionCount])
}
