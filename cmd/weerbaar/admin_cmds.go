package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/weerbaar/weerbaar/internal/app"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/config"
	"github.com/weerbaar/weerbaar/internal/secretkey"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// errChainBroken makes `audit verify` exit 1 after printing the broken row,
// the cut chains or the checkpoint lines that do not verify.
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
	cfg, database, err := e.openDatabase(ctx, config.Database|config.Address)
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

// auditCmd: `weerbaar audit verify|checkpoint`.
func auditCmd(ctx context.Context, e *cmdEnv, args []string) error {
	return e.dispatch(ctx, "audit", []action{
		{"verify", "[--entity ID] [--checkpoints FILE]", "check the audit log's hash chains and compare them with the checkpoints; exit 1 and name the row or the missing rows", auditVerify},
		{"checkpoint", "", "write the heads of all audit chains, signed, to the checkpoint file", auditCheckpoint},
	}, args)
}

func auditVerify(ctx context.Context, e *cmdEnv, args []string) error {
	fs := e.flags("audit verify", "[--entity ID] [--checkpoints FILE]",
		"Recompute the audit log's hash chains (every entity's and the instance chain) and\n"+
			"exit 1 naming the first row that breaks one. Then compare the chains with every signed\n"+
			"checkpoint in the checkpoint file ($WEERBAAR_DATA_DIR/"+audit.CheckpointFile+"): a chain\n"+
			"that ends before a checkpointed row, lost altogether, or holds another row at a\n"+
			"checkpointed sequence is reported as \"rows after sequence N missing\" (exit 1), and so is\n"+
			"a line of the file whose signature does not verify. Needs the database, and the secret key\n"+
			"when the checkpoint file exists. See docs/operations.md.")
	entityID := int64(-1) // all chains
	fs.Func("entity", "verify only the chain of entity `ID` (0 = the instance chain); default: all chains", func(s string) error {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 0 {
			return errors.New("want an entity id (0 or more)")
		}
		entityID = id
		return nil
	})
	file := fs.String("checkpoints", "", "the checkpoint `FILE`, e.g. the off-host copy; default $WEERBAAR_DATA_DIR/"+audit.CheckpointFile)
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
	if *file == "" {
		*file = filepath.Join(cfg.DataDir, audit.CheckpointFile)
	}
	log, err := readCheckpoints(e, *file)
	if err != nil {
		return err
	}
	database, err := e.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer database.Close()
	all := entityID < 0
	res, err := audit.VerifyAnchored(ctx, database.Pool, max(entityID, 0), all, log.Anchors)
	if err != nil {
		return err
	}
	// The views re-hash only the rows after the recorded points: this full
	// run renews them, or removes the point of a broken chain.
	if err := audit.RecordVerified(ctx, database.Pool, res); err != nil {
		fmt.Fprintf(e.stderr, "weerbaar: %v\n", err)
	}
	return reportVerify(e, res, log, *file)
}

// readCheckpoints reads the checkpoint file, if there is one; only then is
// the secret key needed (the checkpoint key is derived from it).
func readCheckpoints(e *cmdEnv, file string) (audit.CheckpointLog, error) {
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		return audit.CheckpointLog{}, nil
	}
	cfg, err := e.load(config.SecretKey)
	if err != nil {
		return audit.CheckpointLog{}, fmt.Errorf("the checkpoint file %s is signed with a key derived from the secret key: %w", file, err)
	}
	key, err := secretkey.CheckpointKey(cfg.SecretKey)
	if err != nil {
		return audit.CheckpointLog{}, err
	}
	return audit.ReadCheckpoints(file, key.Public().(ed25519.PublicKey))
}

// reportVerify prints the outcome of `audit verify` and returns
// errChainBroken (exit 1) for a broken or cut chain or a bad checkpoint.
func reportVerify(e *cmdEnv, res audit.VerifyResult, log audit.CheckpointLog, file string) error {
	if res.Broken != nil {
		b := res.Broken
		fmt.Fprintf(e.stdout, "keten verbroken / chain broken: entity %d, seq %d (row id %d): %s\n", b.EntityID, b.Seq, b.RowID, b.Reason)
		return errChainBroken
	}
	for _, bad := range log.Bad {
		fmt.Fprintf(e.stdout, "controlepunt ongeldig / checkpoint invalid: %s line %d: %s (not trusted)\n", file, bad.Line, bad.Reason)
	}
	for _, c := range res.Cuts {
		fmt.Fprintf(e.stdout, "keten ingekort / chain cut: entity %d: rijen na volgnummer %d ontbreken / %s\n", c.EntityID, c.Kept, c)
	}
	if len(res.Cuts) > 0 || len(log.Bad) > 0 {
		return errChainBroken
	}
	fmt.Fprintf(e.stdout, "keten intact / chain intact: %d rows in %d chains\n", res.Rows, res.Chains)
	if latest, ok := log.Latest(); ok {
		fmt.Fprintf(e.stdout, "controlepunten kloppen / checkpoints match: %d in %s, the latest of %s\n",
			log.Count, file, latest.CreatedAt.Format(time.RFC3339))
	} else {
		fmt.Fprintf(e.stdout, "geen controlepunten / no checkpoints in %s: a cut tail would go unnoticed; run `weerbaar audit checkpoint` or `weerbaar serve`\n", file)
	}
	return nil
}

func auditCheckpoint(ctx context.Context, e *cmdEnv, args []string) error {
	if help, err := e.noArgs("audit checkpoint", "Write the head (sequence and hash) of every audit chain, signed with the key derived\n"+
		"from the secret key, as one line appended to $WEERBAAR_DATA_DIR/"+audit.CheckpointFile+".\n"+
		"The server does this at start, every 15 minutes when a head changed, and after each\n"+
		"evidence package. Needs the database and the secret key. See docs/operations.md.", args); help || err != nil {
		return err
	}
	cfg, database, err := e.openDatabase(ctx, config.Address|config.Database|config.SecretKey)
	if err != nil {
		return err
	}
	defer database.Close()
	cp, err := app.NewCheckpointer(cfg, database.Pool, app.NewLogger(e.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	written, err := cp.Write(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "controlepunt geschreven / checkpoint written: %s, %d chains\n", cp.Path, len(written.Heads))
	for _, h := range written.Heads {
		fmt.Fprintf(e.stdout, "  entity %d: seq %d %s\n", h.EntityID, h.Seq, h.Hash)
	}
	return nil
}
