package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/weerbaar/weerbaar/internal/app"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/config"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// errChainBroken makes `audit verify` exit 1 after printing the broken row.
var errChainBroken = errors.New("audit chain broken")

// userCmd: `weerbaar user create --email … --name … [--instance-admin]`.
func userCmd(ctx context.Context, e *cmdEnv, args []string) error {
	return e.dispatch(ctx, "user", []action{
		{"create", "--email E --name N [--instance-admin]", "create an account and print its one-time set-password link (valid 72 h)", userCreate},
	}, args)
}

func userCreate(ctx context.Context, e *cmdEnv, args []string) error {
	fs := e.flags("user create", "--email E --name N [--instance-admin]",
		"Create an account and print its one-time set-password link (valid 72 h, use once).\n"+
			"The link starts with WEERBAAR_BASE_URL; set it to the app's public URL, e.g.\n"+
			"WEERBAAR_BASE_URL=https://nis2.example.nl. Needs the database, not the secret key.")
	email := fs.String("email", "", "e-mail address, the login name (required)")
	name := fs.String("name", "", "full name as shown in the app (required)")
	instanceAdmin := fs.Bool("instance-admin", false, "may create entities (the first account of an installation)")
	if help, err := e.parse(fs, args); help || err != nil {
		return err
	}
	if *email == "" || *name == "" || fs.NArg() > 0 {
		return e.misuse(fs, "user create: --email and --name are required, and nothing else")
	}
	cfg, err := e.load(config.Database | config.Address)
	if err != nil {
		return err
	}
	database, err := app.OpenDatabase(ctx, cfg, app.NewLogger(io.Discard, 0))
	if err != nil {
		return err
	}
	defer database.Close()
	// No Sealer: creating an account touches no TOTP secret, so this command
	// does not need WEERBAAR_SECRET_KEY.
	svc := &auth.Service{Pool: database.Pool, BaseURL: cfg.BaseURL.String(), Now: time.Now}
	ctx = audit.WithMeta(ctx, audit.Meta{ActorEmail: "cli"})
	u, link, err := svc.CreateUser(ctx, *email, *name, *instanceAdmin)
	if fields := validate.Fields(err); fields != nil {
		return usageError{fmt.Sprintf("user create: %v", err)}
	}
	if err != nil {
		return err
	}
	if cfg.BaseURLDefaulted {
		// A warning, not a refusal: on the machine that runs the server with
		// the default address (make run) the link is right as it is; elsewhere
		// only its host part is wrong and the token stays valid.
		fmt.Fprintf(e.stderr, "warning: WEERBAAR_BASE_URL is not set, so this link uses the default base URL %s\n"+
			"(http:// + WEERBAAR_ADDR), which works only on the server's own machine. Set WEERBAAR_BASE_URL to\n"+
			"the app's public URL (e.g. WEERBAAR_BASE_URL=https://nis2.example.nl) for the next link, and for this\n"+
			"one replace %s with that URL; the rest of the link stays valid.\n", cfg.BaseURL, cfg.BaseURL)
	}
	fmt.Fprintf(e.stdout, "user %d created: %s\nset-password link (valid 72 h, use once):\n%s\n", u.ID, u.Email, link)
	return nil
}

// auditCmd: `weerbaar audit verify [--entity ID]`.
func auditCmd(ctx context.Context, e *cmdEnv, args []string) error {
	return e.dispatch(ctx, "audit", []action{
		{"verify", "[--entity ID]", "check the audit log's hash chains; exit 1 and name the row when broken", auditVerify},
	}, args)
}

func auditVerify(ctx context.Context, e *cmdEnv, args []string) error {
	fs := e.flags("audit verify", "[--entity ID]",
		"Recompute the audit log's hash chains (every entity's and the instance chain) and\n"+
			"exit 1 naming the first row that breaks one. Needs only the database.")
	entityID := int64(-1) // all chains
	fs.Func("entity", "verify only the chain of entity `ID` (0 = the instance chain); default: all chains", func(s string) error {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 0 {
			return errors.New("want an entity id (0 or more)")
		}
		entityID = id
		return nil
	})
	if help, err := e.parse(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.misuse(fs, fmt.Sprintf("audit verify: unexpected argument %q", fs.Arg(0)))
	}
	cfg, err := e.load(config.Database)
	if err != nil {
		return err
	}
	database, err := app.OpenDatabase(ctx, cfg, app.NewLogger(io.Discard, 0))
	if err != nil {
		return err
	}
	defer database.Close()
	all := entityID < 0
	res, err := audit.Verify(ctx, database.Pool, max(entityID, 0), all)
	if err != nil {
		return err
	}
	if res.Broken != nil {
		b := res.Broken
		fmt.Fprintf(e.stdout, "keten verbroken / chain broken: entity %d, seq %d (row id %d): %s\n", b.EntityID, b.Seq, b.RowID, b.Reason)
		return errChainBroken
	}
	fmt.Fprintf(e.stdout, "keten intact / chain intact: %d rows in %d chains\n", res.Rows, res.Chains)
	return nil
}
