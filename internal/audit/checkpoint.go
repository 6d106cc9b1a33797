package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/weerbaar/weerbaar/internal/db"
)

// # Checkpoints
//
// The hash chain shows a changed or removed row in the middle of a chain,
// but not removed newest rows: what is left is still a valid chain. So the
// head of every chain (seq and hash) is written, signed, to a file outside
// the database — the checkpoint file — and Verify with Anchors compares the
// chains with it. A database superuser who cuts a chain's tail cannot rewrite
// the file unseen: the file is on the app's disk (and, copied off-host, out
// of reach), and each line is signed with a key derived from the instance's
// secret key.
//
// The file holds one checkpoint per line (JSON Lines), appended and synced:
//
//	{"checkpoint":{"instance":"https://nis2.example.nl","created_at":"2026-11-30T06:15:00Z",
//	"heads":[{"entity_id":0,"seq":12,"hash":"…"},{"entity_id":7,"seq":310,"hash":"…"}]},
//	"signature":"<base64 Ed25519 signature over the exact bytes of the checkpoint member>"}
//
// entity_id 0 is the instance chain. A line whose signature does not verify
// is reported and not trusted.

// CheckpointFile is the checkpoint file's name in the data directory.
const CheckpointFile = "audit-checkpoints.jsonl"

// Head is a chain's newest row: its seq and hash.
type Head struct {
	EntityID int64  `json:"entity_id"` // 0 = instance chain
	Seq      int64  `json:"seq"`
	Hash     string `json:"hash"`
}

// Checkpoint is the heads of all chains at one moment.
type Checkpoint struct {
	Instance  string    `json:"instance"`
	CreatedAt time.Time `json:"created_at"`
	Heads     []Head    `json:"heads"` // ordered by entity id
	// Line is the checkpoint's line number in the file (from 1) when read.
	Line int `json:"-"`
}

// Head returns the checkpoint's head of the chain entityID, if it has one.
func (c Checkpoint) Head(entityID int64) (Head, bool) {
	for _, h := range c.Heads {
		if h.EntityID == entityID {
			return h, true
		}
	}
	return Head{}, false
}

type checkpointLine struct {
	Checkpoint json.RawMessage `json:"checkpoint"`
	Signature  string          `json:"signature"`
}

// Heads reads the head of every chain in one query. It skips from chain to
// chain through the unique (chain, seq) index instead of reading every row,
// so it costs one index probe per chain however long the chains are.
func Heads(ctx context.Context, q db.Querier) ([]Head, error) {
	rows, err := q.Query(ctx, `WITH RECURSIVE chains(c) AS (
			SELECT min((CASE WHEN entity_id IS NULL THEN 0 ELSE entity_id END)) FROM audit_log
			UNION ALL
			SELECT (SELECT min((CASE WHEN entity_id IS NULL THEN 0 ELSE entity_id END)) FROM audit_log WHERE (CASE WHEN entity_id IS NULL THEN 0 ELSE entity_id END) > c)
			FROM chains WHERE c IS NOT NULL)
		SELECT c, h.seq, h.hash FROM chains
		CROSS JOIN LATERAL (SELECT seq, hash FROM audit_log WHERE (CASE WHEN entity_id IS NULL THEN 0 ELSE entity_id END) = c ORDER BY seq DESC LIMIT 1) h
		WHERE c IS NOT NULL ORDER BY c`)
	if err != nil {
		return nil, fmt.Errorf("audit: chain heads: %w", err)
	}
	defer rows.Close()
	heads := []Head{}
	for rows.Next() {
		var h Head
		if err := rows.Scan(&h.EntityID, &h.Seq, &h.Hash); err != nil {
			return nil, fmt.Errorf("audit: chain heads: %w", err)
		}
		heads = append(heads, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: chain heads: %w", err)
	}
	return heads, nil
}

// SignCheckpoint returns c as one signed line of the checkpoint file,
// newline included.
func SignCheckpoint(c Checkpoint, key ed25519.PrivateKey) ([]byte, error) {
	c.CreatedAt = c.CreatedAt.UTC()
	body, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	line, err := json.Marshal(checkpointLine{Checkpoint: body, Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, body))})
	if err != nil {
		return nil, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	return append(line, '\n'), nil
}

// ParseCheckpoint reads one line of the checkpoint file and checks its
// signature with pub.
func ParseCheckpoint(line []byte, pub ed25519.PublicKey) (Checkpoint, error) {
	var l checkpointLine
	if err := json.Unmarshal(line, &l); err != nil || len(l.Checkpoint) == 0 {
		return Checkpoint{}, errors.New("not a checkpoint line")
	}
	sig, err := base64.StdEncoding.DecodeString(l.Signature)
	if err != nil || !ed25519.Verify(pub, l.Checkpoint, sig) {
		return Checkpoint{}, errors.New("signature does not verify")
	}
	var c Checkpoint
	if err := json.Unmarshal(l.Checkpoint, &c); err != nil {
		return Checkpoint{}, errors.New("signed, but not a checkpoint")
	}
	return c, nil
}

// AppendCheckpoint appends a signed line to the checkpoint file at path,
// creating the file (mode 0600) and its directory when missing, and syncs it
// to disk before returning: a checkpoint that was reported written survives
// a crash.
func AppendCheckpoint(path string, line []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("audit: checkpoint file: %w", err)
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit: checkpoint file: %w", err)
	}
	// One write call: concurrent appenders (two processes) never interleave.
	if _, err := f.Write(line); err != nil {
		_ = f.Close()
		return fmt.Errorf("audit: write checkpoint: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("audit: sync checkpoint: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("audit: close checkpoint file: %w", err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// A new file's directory entry must be durable too.
		if d, err := os.Open(dir); err == nil {
			_ = d.Sync()
			_ = d.Close()
		}
	}
	return nil
}

// BadLine is a line of the checkpoint file that is not a validly signed
// checkpoint.
type BadLine struct {
	Line   int
	Reason string
}

// CheckpointLog is what the checkpoint file holds: the heads of its valid
// checkpoints gathered as Anchors (every recorded head, not every line:
// the file may hold years of checkpoints), and the lines that are not valid.
type CheckpointLog struct {
	Anchors Anchors
	// Count is the number of valid checkpoints.
	Count  int
	latest Checkpoint
	Bad    []BadLine
}

// Latest returns the last valid checkpoint, if any.
func (l CheckpointLog) Latest() (Checkpoint, bool) { return l.latest, l.Count > 0 }

// ReadCheckpoints reads the whole checkpoint file at path, one line at a
// time. A missing file is an empty log, not an error: the instance has not
// written one yet.
func ReadCheckpoints(path string, pub ed25519.PublicKey) (CheckpointLog, error) {
	log := CheckpointLog{Anchors: Anchors{}}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return log, nil
	}
	if err != nil {
		return log, fmt.Errorf("audit: read checkpoints: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if c, perr := ParseCheckpoint(line, pub); perr != nil {
				log.Bad = append(log.Bad, BadLine{Line: n, Reason: perr.Error()})
			} else {
				c.Line = n
				log.Anchors.add(c)
				log.Count++
				log.latest = c
			}
		}
		if errors.Is(err, io.EOF) {
			return log, nil
		}
		if err != nil {
			return log, fmt.Errorf("audit: read checkpoints: %w", err)
		}
	}
}

// LastCheckpoint returns the last validly signed checkpoint in the file at
// path, reading only the file's tail (the file grows for as long as the
// instance runs; pages show its last line). ok is false when there is none.
func LastCheckpoint(path string, pub ed25519.PublicKey) (c Checkpoint, ok bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: read checkpoints: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: read checkpoints: %w", err)
	}
	size := st.Size()
	for window := int64(256 << 10); ; window *= 4 {
		off := max(0, size-window)
		buf := make([]byte, size-off)
		if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
			return Checkpoint{}, false, fmt.Errorf("audit: read checkpoints: %w", err)
		}
		lines := bytes.Split(buf, []byte("\n"))
		if off > 0 {
			lines = lines[1:] // the first is only the end of a line
		}
		for i := len(lines) - 1; i >= 0; i-- {
			if c, err := ParseCheckpoint(lines[i], pub); err == nil {
				return c, true, nil
			}
		}
		if off == 0 {
			return Checkpoint{}, false, nil
		}
	}
}

// sameHeads reports whether two head lists are equal.
func sameHeads(a, b []Head) bool { return slices.Equal(a, b) }
