package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id parameters. They are stored with each hash, so they
// can be raised later: a hash made with weaker ones is redone at sign-in.
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultParams meet OWASP ASVS 5.0 Appendix C (m >= 46 MiB, t >= 1, p = 1)
// with margin.
var DefaultParams = Params{MemoryKiB: 64 * 1024, Time: 2, Threads: 1}

const saltLen, keyLen = 16, 32

// argonSlots bounds how many argon2id computations run at once: each takes
// DefaultParams.MemoryKiB of memory and a core, so a burst of sign-ins
// queues here instead of growing the process by 64 MiB per request.
var argonSlots = make(chan struct{}, 4)

func idKey(password, salt []byte, p Params, n uint32) []byte {
	argonSlots <- struct{}{}
	defer func() { <-argonSlots }()
	return argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, n)
}

// MinPasswordLength follows NIST SP 800-63B for user-chosen passwords.
const MinPasswordLength = 12

// HashPassword hashes password with p in the PHC string format:
// $argon2id$v=19$m=65536,t=2,p=1$salt$key.
func HashPassword(password string, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := idKey([]byte(password), salt, p, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// CheckPassword reports whether password matches encoded, and whether the
// hash was made with parameters weaker than want and should be redone.
func CheckPassword(password, encoded string, want Params) (ok, rehash bool, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false, errBadHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false, false, errBadHash
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, false, errBadHash
	}
	key, err := enc.DecodeString(parts[5])
	if err != nil {
		return false, false, errBadHash
	}
	got := idKey([]byte(password), salt, p, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	rehash = p.MemoryKiB < want.MemoryKiB || p.Time < want.Time || len(key) < keyLen
	return ok, rehash, nil
}

// dummyHash is checked against when the email is unknown, so an unknown
// email costs the same time as a wrong password. Made on first use, not at
// start-up, so commands that never check a password do not pay for it.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("not a real password, only for timing", DefaultParams)
	if err != nil {
		panic(err)
	}
	return h
})

// BurnPasswordCheck spends the time of one password check with params.
func BurnPasswordCheck(password string) {
	_, _, _ = CheckPassword(password, dummyHash(), DefaultParams)
}

// GeneratePassword returns a random password of 20 characters from an
// alphabet without look-alikes (about 114 bits).
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

// RandomToken returns n random bytes, base64url-encoded.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("auth: random: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
