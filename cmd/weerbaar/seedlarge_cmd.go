package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/weerbaar/weerbaar/internal/app"
	"github.com/weerbaar/weerbaar/internal/config"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
	"github.com/weerbaar/weerbaar/internal/seedlarge"
)

const seedLargeSynopsis = "[--scale F] [--entities N] [--seed N] [--today YYYY-MM-DD] [--json]"

// seedLargeCmd: `weerbaar seed-large`, the benchmark dataset (make bench-data).
func seedLargeCmd(ctx context.Context, e *cmdEnv, args []string) error {
	fs := e.flags("seed-large", seedLargeSynopsis,
		"Create the large benchmark dataset: 20 entities (groot-01 … groot-20); the largest with\n"+
			"300 crown jewels, 150 suppliers, 3,000 risk scenarios, every requirement and Annex point\n"+
			"answered, 2,000 evidence items, 500 incidents, 200 approval requests and 100,000 audit rows\n"+
			"(a valid hash chain); the others a tenth of that. Each entity has an officer, auditor, admin\n"+
			"and board member (printed, with the one password). The same seed, scale and day give the\n"+
			"same data. Idempotent: when groot-01 exists nothing changes and the accounts are printed.\n"+
			"Applies pending migrations and loads the catalogue first. Needs only the database.")
	scale := fs.Float64("scale", 1, "multiply every count by `F` (0.1 = a tenth)")
	entities := fs.Int("entities", 20, "number of entities, the largest first (1 to 20)")
	seed := fs.Uint64("seed", seedlarge.DefaultSeed, "random seed")
	today := fs.String("today", "", "the day the dates count back from (default: today, UTC)")
	asJSON := fs.Bool("json", false, "print the entities and accounts as JSON")
	if help, err := e.parse(fs, args); help || err != nil {
		return err
	}
	day := time.Now().UTC()
	if *today != "" {
		var err error
		if day, err = time.Parse(time.DateOnly, *today); err != nil {
			return e.misuse(fs, fmt.Sprintf("seed-large: --today %q is not a date (YYYY-MM-DD)", *today))
		}
	}
	if fs.NArg() > 0 || *scale <= 0 || *scale > 10 || *entities < 1 || *entities > 20 {
		return e.misuse(fs, "seed-large: want a scale above 0 (at most 10), 1 to 20 entities and no arguments")
	}
	cfg, err := e.load(config.Database)
	if err != nil {
		return err
	}
	database, err := app.OpenDatabase(ctx, cfg, app.NewLogger(e.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer database.Close()
	if err := db.MigrateUp(database.Pool); err != nil {
		return err
	}
	if err := catalogue.Sync(ctx, database.Pool); err != nil {
		return fmt.Errorf("load catalogue editions: %w", err)
	}
	o := seedlarge.Options{Seed: *seed, Scale: *scale, Entities: *entities, Today: day}
	res, err := seedlarge.Seed(ctx, database.Pool, o)
	if err != nil {
		return err
	}
	if *asJSON {
		return printSeedJSON(e.stdout, res)
	}
	printSeed(e.stdout, o, res)
	return nil
}

func printSeed(w io.Writer, o seedlarge.Options, res seedlarge.Result) {
	if res.Created {
		fmt.Fprintf(w, "large dataset created in %.1fs (seed %d, scale %g, %d entities, dated back from %s)\n",
			res.Elapsed.Seconds(), o.Seed, o.Scale, len(res.Entities), o.Today.Format(time.DateOnly))
	} else {
		fmt.Fprintln(w, "large dataset already present; nothing changed")
	}
	fmt.Fprintf(w, "password of every account: %s\n", seedlarge.Password)
	for _, en := range res.Entities {
		c := en.Counts
		fmt.Fprintf(w, "\nentity %d %s %q, risk analysis %d: %d jewels, %d suppliers, %d scenarios, %d evidence items, %d incidents, %d approval requests, %d audit rows\n",
			en.ID, en.Slug, en.Name, en.AnalysisID, c.Jewels, c.Suppliers, c.Scenarios, c.Evidence, c.Incidents, c.Approvals, c.AuditRows)
		for _, a := range en.Accounts {
			fmt.Fprintf(w, "  %-16s %-36s %s\n", a.Role, a.Email, a.Name)
		}
	}
}

func printSeedJSON(w io.Writer, res seedlarge.Result) error {
	type account struct {
		Role   string `json:"role"`
		Email  string `json:"email"`
		Name   string `json:"name"`
		UserID int64  `json:"user_id"`
	}
	type entity struct {
		ID         int64            `json:"id"`
		Slug       string           `json:"slug"`
		Name       string           `json:"name"`
		AnalysisID int64            `json:"analysis_id"`
		Counts     seedlarge.Counts `json:"counts"`
		Accounts   []account        `json:"accounts"`
	}
	out := struct {
		Created  bool     `json:"created"`
		Password string   `json:"password"`
		Seconds  float64  `json:"seconds"`
		Entities []entity `json:"entities"`
	}{Created: res.Created, Password: seedlarge.Password, Seconds: res.Elapsed.Round(100 * time.Millisecond).Seconds()}
	for _, en := range res.Entities {
		x := entity{ID: en.ID, Slug: en.Slug, Name: en.Name, AnalysisID: en.AnalysisID, Counts: en.Counts}
		for _, a := range en.Accounts {
			x.Accounts = append(x.Accounts, account{Role: string(a.Role), Email: a.Email, Name: a.Name, UserID: a.UserID})
		}
		out.Entities = append(out.Entities, x)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return errors.Join(errors.New("seed-large: write JSON"), err)
	}
	return nil
}
