// Package migrations embeds the SQL migrations so the binary carries its own
// schema; golang-migrate applies them in order of their six-digit prefix.
package migrations

import "embed"

// FS holds every NNNNNN_name.up.sql and .down.sql file.
//
//go:embed *.sql
var FS embed.FS
