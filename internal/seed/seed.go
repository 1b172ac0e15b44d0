// Package seed fills a database with demo data: the 43 police forces of
// England and Wales, one user per role, and (as the portal grows) the story
// of the 2017 letter. Every step is idempotent: seeding twice changes
// nothing the second time.
package seed

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"inspectrack/internal/auth"
	"inspectrack/internal/blob"
	"inspectrack/internal/store"
)

//go:embed forces-england-wales.csv
var forcesCSV []byte

// Forces parses the embedded list of the 43 territorial police forces.
func Forces() ([]store.ForceSeed, error) {
	r := csv.NewReader(bytes.NewReader(forcesCSV))
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("seed: forces header: %w", err)
	}
	want := []string{"code", "name", "kind", "region", "chief_officer_title", "oversight_body"}
	if strings.Join(header, ",") != strings.Join(want, ",") {
		return nil, fmt.Errorf("seed: forces header %v, want %v", header, want)
	}
	var forces []store.ForceSeed
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return forces, nil
		}
		if err != nil {
			return nil, fmt.Errorf("seed: forces: %w", err)
		}
		forces = append(forces, store.ForceSeed{Code: rec[0], Name: rec[1], Kind: rec[2], Region: rec[3],
			ChiefOfficerTitle: rec[4], OversightBody: rec[5]})
	}
}

// DemoUser is one of the demo accounts.
type DemoUser struct {
	Email, Name string
	Role        auth.Role
	ForceCode   string
}

// DemoUsers are the accounts `seed demo` creates, one per role and a
// liaison for two forces.
var DemoUsers = []DemoUser{
	{"admin@demo.test", "Alex Admin", auth.RoleAdmin, ""},
	{"manager@demo.test", "Morgan Manager", auth.RoleManager, ""},
	{"inspector@demo.test", "Isla Inspector", auth.RoleInspector, ""},
	{"inspector2@demo.test", "Ian Inspector", auth.RoleInspector, ""},
	{"liaison.leicestershire@demo.test", "Lee Liaison (Leicestershire)", auth.RoleLiaison, "leicestershire"},
	{"liaison.sussex@demo.test", "Sam Liaison (Sussex)", auth.RoleLiaison, "sussex"},
}

// Result says what a demo seed did.
type Result struct {
	ForcesAdded int
	UsersAdded  []string
	// Password is the demo users' password when this run set it (new users,
	// or INSPECTRACK_DEMO_PASSWORD given); "" when it left them alone.
	Password string
}

// Option changes how the demo is seeded.
type Option func(*options)

type options struct {
	blobs blob.Store // nil: PostgreSQL
}

// WithBlobs keeps the demo's documents in bs, the portal's blob store (an
// S3 bucket when INSPECTRACK_BLOB_URL names one), as its uploads are;
// without it they go into PostgreSQL.
func WithBlobs(bs blob.Store) Option { return func(o *options) { o.blobs = bs } }

// blobStore is where the documents go: the one given, else PostgreSQL.
func blobStore(st *store.Store, opts []Option) blob.Store {
	var o options
	for _, f := range opts {
		f(&o)
	}
	if o.blobs == nil {
		return blob.NewPostgres(st.Pool())
	}
	return o.blobs
}

// Demo seeds the demo data. password is INSPECTRACK_DEMO_PASSWORD: when
// given, every demo user gets it; when empty, new demo users get a
// generated one (reported once in Result) and existing ones keep theirs.
func Demo(ctx context.Context, st *store.Store, password string, params auth.Params, opts ...Option) (Result, error) {
	var res Result
	blobs := blobStore(st, opts)
	forces, err := Forces()
	if err != nil {
		return res, err
	}
	system := store.Actor{Email: "seed", RequestID: "seed-demo"}
	res.ForcesAdded, _, err = st.UpsertForces(ctx, system, forces)
	if err != nil {
		return res, err
	}
	if err := demoUsers(ctx, st, system, password, params, &res); err != nil {
		return res, err
	}
	if err := demoSecondFactors(ctx, st, system); err != nil {
		return res, err
	}
	// The story of the 2017 letter, step by step; later issues add their
	// steps after this one.
	if err := Story(ctx, st); err != nil {
		return res, err
	}
	// One transaction for the 43 plans and the 43 assessments: a commit
	// each would cost a disk flush each, seconds in all. The plans come
	// first, so that each assessment lists the plan it reviewed.
	err = st.InTx(ctx, func(st *store.Store) error {
		if err := storyPlans(ctx, st, blobs); err != nil {
			return err
		}
		return demoAssessments(ctx, st)
	})
	if err != nil {
		return res, err
	}
	return res, nil
}

func demoUsers(ctx context.Context, st *store.Store, system store.Actor, password string, params auth.Params, res *Result) error {
	generated := password == ""
	if generated {
		password = auth.GeneratePassword()
	}
	// Hashed on first need: seeding again with no password given and
	// every demo user present sets no password, so pays for no argon2id.
	var hash string
	hashOnce := func() error {
		if hash != "" {
			return nil
		}
		var err error
		hash, err = auth.HashPassword(password, params)
		return err
	}
	for _, d := range DemoUsers {
		u, err := st.UserByEmail(ctx, d.Email)
		switch {
		case err == nil:
			if !generated {
				if err := hashOnce(); err != nil {
					return err
				}
				if err := st.SetPassword(ctx, system, u.ID, hash, false); err != nil {
					return err
				}
				res.Password = password
			}
		case isNotFound(err):
			if err := hashOnce(); err != nil {
				return err
			}
			if _, err := st.CreateUser(ctx, system, store.NewUser{Email: d.Email, Name: d.Name, Role: string(d.Role),
				ForceCode: d.ForceCode, PasswordHash: hash}); err != nil {
				return err
			}
			res.UsersAdded = append(res.UsersAdded, d.Email)
			res.Password = password
		default:
			return err
		}
	}
	return nil
}
