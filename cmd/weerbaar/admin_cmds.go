package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/weerbaar/weerbaar/internal/app"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/config"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// errChainBroken makes `audit verify` exit 1 after printing the broken row.
var errChainBroken = errors.New("audit chain broken")

// userCmd: `weerbaar user create --email … --name … [--instance-admin]`.
func userCmd(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"user: want `user create --email E --name N [--instance-admin]`"}
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "e-mail address (login name)")
	name := fs.String("name", "", "full name")
	instanceAdmin := fs.Bool("instance-admin", false, "may create entities")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if *email == "" || *name == "" {
		return usageError{"user create: --email and --name are required"}
	}
	database, err := app.OpenDatabase(ctx, cfg, app.NewLogger(io.Discard, 0))
	if err != nil {
		return err
	}
	defer database.Close()
	svc, err := app.NewAuthService(cfg, database.Pool)
	if err != nil {
		return err
	}
	ctx = audit.WithMeta(ctx, audit.Meta{ActorEmail: "cli"})
	u, link, err := svc.CreateUser(ctx, *email, *name, *instanceAdmin)
	if fields := validate.Fields(err); fields != nil {
		return usageError{fmt.Sprintf("user create: %v", err)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %d created: %s\nset-password link (valid 72 h, use once):\n%s\n", u.ID, u.Email, link)
	return nil
}

// auditCmd: `weerbaar audit verify [--entity ID]`.
func auditCmd(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{"audit: want `audit verify [--entity ID]`"}
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	entityID := fs.Int64("entity", -1, "verify only this entity's chain (0 = the instance chain)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	database, err := app.OpenDatabase(ctx, cfg, app.NewLogger(io.Discard, 0))
	if err != nil {
		return err
	}
	defer database.Close()
	all := *entityID < 0
	res, err := audit.Verify(ctx, database.Pool, max(*entityID, 0), all)
	if err != nil {
		return err
	}
	if res.Broken != nil {
		b := res.Broken
		fmt.Fprintf(stdout, "keten verbroken / chain broken: entity %d, seq %d (row id %d): %s\n", b.EntityID, b.Seq, b.RowID, b.Reason)
		return errChainBroken
	}
	fmt.Fprintf(stdout, "keten intact / chain intact: %d rows in %d chains\n", res.Rows, res.Chains)
	return nil
}
