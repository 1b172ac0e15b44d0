package auth

import (
	_ "embed"
	"errors"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// MaxPasswordLength bounds what is hashed (NIST SP 800-63B asks for at
// least 64 characters to be allowed).
const MaxPasswordLength = 256

// PasswordError says why a password was refused, in words for the person
// choosing it.
type PasswordError struct{ Reason string }

func (e *PasswordError) Error() string { return e.Reason }

//go:embed common-passwords.txt
var commonPasswords string

// blocklist is the set of common-passwords.txt, read once.
var blocklist = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 12000)
	for _, line := range strings.Split(commonPasswords, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			set[line] = struct{}{}
		}
	}
	return set
})

// ValidatePassword is the one password policy of the portal, for the web
// and the command line (NIST SP 800-63B 3.1.1.2): at least
// MinPasswordLength characters (counted as characters, not bytes) and at
// most MaxPasswordLength; not one character repeated, a short pattern
// repeated or a run such as "abcdef…"; not on the embedded list of common
// and breached passwords, nor one of them with digits and symbols around
// it; not the user's email address or its local part. A *PasswordError
// says why.
func ValidatePassword(password, email string) error {
	refuse := func(reason string) error { return &PasswordError{Reason: reason} }
	if !utf8.ValidString(password) {
		return refuse("the password must be text (UTF-8)")
	}
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return refuse("the password must be at least 12 characters")
	case n > MaxPasswordLength:
		return refuse("the password must be at most 256 characters")
	}
	lower := strings.ToLower(password)
	squeezed := lettersAndDigits(lower)
	if periodic(lower) || periodic(squeezed) || periodic(strings.TrimSpace(lower)) {
		return refuse("the password must not be one character, or a few, repeated")
	}
	if sequence(squeezed) {
		return refuse("the password must not be a run of letters or digits, such as abcdef or 123456")
	}
	if local, _, ok := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@"); ok && local != "" {
		l := lettersAndDigits(local)
		for _, c := range []string{squeezed, strings.TrimRight(squeezed, "0123456789")} {
			if c == lettersAndDigits(strings.ToLower(email)) || (l != "" && strings.ReplaceAll(c, l, "") == "") {
				return refuse("the password must not be your email address or its name part")
			}
		}
	}
	for _, c := range candidates(lower) {
		if _, ok := blocklist()[c]; ok {
			return refuse("the password is too common: it is on a list of passwords that attackers try first")
		}
	}
	return nil
}

// candidates are the forms of a lower-case password looked up in the
// blocklist: itself, without spaces and punctuation, each without the
// digits and symbols at its ends, and each with l33t letters read back.
func candidates(lower string) []string {
	var out []string
	for _, s := range []string{lower, lettersAndDigits(lower)} {
		core := strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
		out = append(out, s, core, unleet(s), unleet(core),
			strings.TrimFunc(unleet(s), func(r rune) bool { return !unicode.IsLetter(r) }))
	}
	return out
}

var leet = strings.NewReplacer("0", "o", "1", "i", "3", "e", "4", "a", "5", "s", "7", "t", "@", "a", "$", "s", "!", "i", "+", "t")

func unleet(s string) string {
	// A password's ending digits and symbols are stripped, not read as
	// letters: "password1" is "password", not "passwordi".
	end := strings.TrimRightFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	return leet.Replace(end)
}

func lettersAndDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// periodic reports whether s is a pattern repeated: one of at most 4
// characters repeated (perhaps cut short), or any pattern repeated whole
// ("passwordpassword").
func periodic(s string) bool {
	r := []rune(s)
	if len(r) == 0 {
		return true
	}
	for p := 1; p <= len(r)/2; p++ {
		if p > 4 && len(r)%p != 0 {
			continue
		}
		same := true
		for i := p; i < len(r) && same; i++ {
			same = r[i] == r[i-p]
		}
		if same {
			return true
		}
	}
	return false
}

// sequence reports whether s is mostly runs along the alphabet, the digits
// or a keyboard row (forwards or backwards): no more than 3 of its
// characters break the run.
func sequence(s string) bool {
	const rows = "qwertyuiopasdfghjklzxcvbnm1234567890abcdefghijklmnopqrstuvwxyz01234567890"
	r := []rune(s)
	if len(r) < 2 {
		return true
	}
	breaks := 0
	for i := 1; i < len(r); i++ {
		d := r[i] - r[i-1]
		pair := string(r[i-1 : i+1])
		rev := string([]rune{r[i], r[i-1]})
		if d != 1 && d != -1 && !strings.Contains(rows, pair) && !strings.Contains(rows, rev) {
			breaks++
		}
	}
	return breaks <= 3
}

// ErrPasswordPolicy matches every *PasswordError with errors.Is.
var ErrPasswordPolicy = errors.New("auth: password refused by the policy")

// Is makes errors.Is(err, ErrPasswordPolicy) true for a *PasswordError.
func (e *PasswordError) Is(target error) bool { return target == ErrPasswordPolicy }
