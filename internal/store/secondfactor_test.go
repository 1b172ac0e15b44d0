package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// TestSecondFactorStepAndRecoveryCodeAreUsedOnce: the store itself refuses
// a step at or before the last used, and a used recovery code, so two
// sign-ins that both checked a code before either used it cannot both get
// in.
func TestSecondFactorStepAndRecoveryCodeAreUsedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.Pool(t), store.WithAuditKeys(testdb.AuditKeys()))
	u, err := st.CreateUser(ctx, testActor, store.NewUser{Email: "ina@example.test", Name: "Ina", Role: "inspector", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	rc := bytes.Repeat([]byte{7}, 32)
	if err := st.EnrolTOTP(ctx, testActor, u.ID, "JBSWY3DPEHPK3PXPJBSWY3DP", 100, [][]byte{rc}); err != nil {
		t.Fatal(err)
	}
	if err := st.EnrolTOTP(ctx, testActor, u.ID, "JBSWY3DPEHPK3PXPJBSWY3DP", 100, nil); !errors.Is(err, store.ErrAlreadyEnrolled) {
		t.Errorf("enrolling twice: %v", err)
	}
	claim := func() int64 {
		c, err := st.ClaimLoginAttempt(ctx, store.NewLoginKey(u.ID, u.Email, "192.0.2.1"), store.LoginLimits{Window: time.Minute, PerAccountClient: 100, PerClient: 100, PerAccount: 100}, time.Now())
		if err != nil || c.ID == 0 {
			t.Fatalf("claim: %+v %v", c, err)
		}
		return c.ID
	}
	ev := testActor.Event("login.success", "user", u.ID, 0, "test")
	for _, tc := range []struct {
		name string
		step int64
		rc   []byte
		want error
	}{
		{"a step at the last used", 100, nil, store.ErrCodeUsed},
		{"a step before the last used", 99, nil, store.ErrCodeUsed},
		{"the next step", 101, nil, nil},
		{"it again", 101, nil, store.ErrCodeUsed},
		{"a recovery code", 0, rc, nil},
		{"it again", 0, rc, store.ErrCodeUsed},
		{"no such recovery code", 0, bytes.Repeat([]byte{8}, 32), store.ErrCodeUsed},
	} {
		if err := st.SecondFactorSucceeded(ctx, u.ID, claim(), tc.step, tc.rc, ev); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	sf, err := st.SecondFactor(ctx, u.ID)
	if err != nil || sf.LastStep != 101 || sf.RecoveryLeft != 0 {
		t.Errorf("after: %+v, %v", sf, err)
	}
	if err := st.ResetSecondFactor(ctx, testActor, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SecondFactor(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after a reset: %v, want not found", err)
	}
}
