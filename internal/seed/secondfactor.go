package seed

import (
	"context"
	"crypto/sha256"
	"encoding/base32"

	"inspectrack/internal/store"
)

// DemoTOTPSecret is the authenticator secret the demo user with email is
// enrolled with: known, so `make run` stays a two-minute path to every
// role's screens (`inspectrack user otp EMAIL` prints a current code) and
// tests can compute codes. Never a real account's.
func DemoTOTPSecret(email string) string {
	sum := sha256.Sum256([]byte("inspectrack demo second factor\x00" + store.NormalizeEmail(email)))
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:20])
}

// demoSecondFactors enrols each demo user who has no second factor with
// their known secret (no recovery codes: the command line gives codes).
// One an admin reset and who set up their own is left alone until reset.
func demoSecondFactors(ctx context.Context, st *store.Store, system store.Actor) error {
	for _, d := range DemoUsers {
		u, err := st.UserByEmail(ctx, d.Email)
		if err != nil {
			return err
		}
		if _, err := st.SecondFactor(ctx, u.ID); err == nil {
			continue
		} else if !isNotFound(err) {
			return err
		}
		if err := st.EnrolTOTP(ctx, system, u.ID, DemoTOTPSecret(d.Email), 0, nil); err != nil {
			return err
		}
	}
	return nil
}
