// Package migrations holds the database schema as golang-migrate SQL files,
// embedded so the binary migrates itself.
package migrations

import "embed"

// FS holds every NNNNNN_name.up.sql and .down.sql file.
//
//go:embed *.sql
var FS embed.FS
