package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP (RFC 6238) as the portal uses it: SHA-1, six digits, 30-second
// steps (what every authenticator app accepts), a code of the step before
// or after the current one accepted for clocks a little apart.
const (
	TOTPPeriod = 30
	TOTPSkew   = 1
	// TOTPIssuer names the portal in the authenticator app.
	TOTPIssuer = "Inspection tracker"
)

var totpOpts = totp.ValidateOpts{Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTPKey makes a new random secret for account (the user's email) and
// returns it with its otpauth:// URL, which the enrolment page shows as a
// QR code.
func NewTOTPKey(account string) (secret, url string, err error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: account, Period: TOTPPeriod,
		SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", fmt.Errorf("auth: new TOTP key: %w", err)
	}
	return k.Secret(), k.URL(), nil
}

// TOTPURL is the otpauth:// URL of an existing secret.
func TOTPURL(account, secret string) (string, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil {
		return "", fmt.Errorf("auth: TOTP secret: %w", err)
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: account, Period: TOTPPeriod,
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", fmt.Errorf("auth: TOTP URL: %w", err)
	}
	return k.URL(), nil
}

// TOTPCode is the code of secret at t.
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// TOTPStep is the time step t falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / TOTPPeriod }

// CheckTOTP reports the time step whose code code is, within TOTPSkew steps
// of now, and true; or false when it is none of them. A code of a step at
// or before lastStep (the newest step already used) is refused: a code is
// good once, so one seen over a shoulder or sent twice is worth nothing.
func CheckTOTP(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	code = strings.Join(strings.Fields(code), "")
	if len(code) != 6 {
		return 0, false
	}
	cur := TOTPStep(now)
	for d := int64(-TOTPSkew); d <= TOTPSkew; d++ {
		step := cur + d
		if step <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*TOTPPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if ConstantTimeEqual(want, code) {
			return step, true
		}
	}
	return 0, false
}

// ConstantTimeEqual compares two short strings without leaking where they
// differ.
func ConstantTimeEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := range len(a) {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

// RecoveryCodeCount is how many recovery codes an enrolment gives.
const RecoveryCodeCount = 10

var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewRecoveryCodes makes RecoveryCodeCount recovery codes, each 80 random
// bits written as four groups of four letters and digits
// ("abcd-efgh-ijkl-mnop"): enough that their SHA-256 alone keeps them.
func NewRecoveryCodes() []string {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			panic(err)
		}
		s := strings.ToLower(recoveryEncoding.EncodeToString(b))
		codes[i] = s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
	}
	return codes
}

// NormalizeRecoveryCode is a code as typed reduced to what was issued:
// spaces and dashes dropped, lower case. "" when it cannot be one.
func NormalizeRecoveryCode(code string) string {
	code = strings.ToLower(strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, code))
	if len(code) != 16 {
		return ""
	}
	if _, err := recoveryEncoding.DecodeString(strings.ToUpper(code)); err != nil {
		return ""
	}
	return code
}

// RecoveryCodeHash is all the database keeps of a recovery code.
func RecoveryCodeHash(code string) []byte {
	h := sha256.Sum256([]byte("inspectrack recovery code\x00" + NormalizeRecoveryCode(code)))
	return h[:]
}

// SecondFactorRequired reports whether a user of role must use a second
// factor: always for admins, managers and inspectors; for liaisons unless
// the admin has switched that off (liaisonsRequired false). A user who has
// set one up uses it whatever the policy says.
func SecondFactorRequired(role Role, liaisonsRequired bool) bool {
	if role == RoleLiaison {
		return liaisonsRequired
	}
	return true
}
