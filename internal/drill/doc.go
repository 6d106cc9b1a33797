// Package drill holds Weerbaar's fault drills: tests that break the
// environment on purpose and check that no answered write is lost and no
// failed one is half-written. TestDatabaseFaultDrill stops PostgreSQL
// immediately under concurrent writes and starts it again (`make drill`;
// docs/operations.md, "Database fault drill").
package drill
