// Command gen writes the measure catalogue migration
// (migrations/000005_measure_catalogue.up.sql and .down.sql) from the
// catalogue's JSON files. Run it from the module root after editing the JSON:
//
//	go run ./internal/measure/catalogue/gen
//
// or, from the catalogue package, go generate.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("gen", flag.ContinueOnError)
	dir := flags.String("out", "migrations", "directory the migration files are written to")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if fi, err := os.Stat(*dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s is not a directory (run from the module root or pass -out)", *dir)
	}
	c, err := catalogue.Load()
	if err != nil {
		return err
	}
	up, down := c.MigrationSQL()
	for _, f := range []struct{ suffix, content string }{{".up.sql", up}, {".down.sql", down}} {
		path := filepath.Join(*dir, catalogue.MigrationName+f.suffix)
		if err := os.WriteFile(path, []byte(f.content), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", path)
	}
	fmt.Fprintf(stdout, "catalogue %s: %d measures, %d requirements\n", c.Version, len(c.Measures), len(c.Requirements))
	return nil
}
