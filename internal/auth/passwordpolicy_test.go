package auth

import (
	"strings"
	"testing"
)

func TestWeakPasswordsAreRefused(t *testing.T) {
	t.Parallel()
	const email = "kim.kent@kent.police.test"
	for _, pw := range []string{
		"",
		"short",
		"éééééé",        // 12 bytes, 6 characters
		"ééééééééééé",   // 11 characters
		"aaaaaaaaaaaa",  // one character repeated
		"ÉÉÉÉÉÉÉÉÉÉÉÉÉ", // also in characters
		"            ",
		"111111111111",
		"abcabcabcabc",
		"abababababab",
		"123456789012",
		"abcdefghijklm",
		"zyxwvutsrqpon",
		"qwertyuiopasdf",
		"password1234",
		"Password1234!",
		"P@ssw0rd2024!",
		"passwordpassword",
		"iloveyou12345",
		"1234567890qwerty",
		"Inspectrack2026!",
		"inspection tracker",
		"InspectionTracker1",
		"kim.kent",
		"kim.kent1234",
		"KIM.KENT@KENT.POLICE.TEST",
		"kimkentkimkent",
		"correct horse battery staple ",
		"letmein123456",
		"trustno1trustno1",
		"football12345",
		"\xff\xfe invalid utf-8 bytes",
		strings.Repeat("long enough but far too long ", 20),
	} {
		if err := ValidatePassword(pw, email); err == nil {
			t.Errorf("ValidatePassword(%q) accepted it", pw)
		}
	}
}

func TestReasonablePasswordsAreAccepted(t *testing.T) {
	t.Parallel()
	for _, pw := range []string{
		"a long chosen password",
		"Tuesday's tide turns at nine",
		"éléphant rose à vélo",
		"kent liaison plans 7 due",
		"grüne Äpfel mögen Bären",
		"日本語のパスワードです十二文字",
		GeneratePassword(),
		GeneratePassword(),
	} {
		if err := ValidatePassword(pw, "kim.kent@kent.police.test"); err != nil {
			t.Errorf("ValidatePassword(%q) = %v, want it accepted", pw, err)
		}
	}
}

func TestBlocklistIsEmbeddedAndLarge(t *testing.T) {
	t.Parallel()
	if n := len(blocklist()); n < 5000 {
		t.Fatalf("blocklist holds %d passwords, want thousands", n)
	}
	for _, pw := range []string{"password", "123456", "qwerty", "inspectrack", "iloveyou"} {
		if _, ok := blocklist()[pw]; !ok {
			t.Errorf("blocklist lacks %q", pw)
		}
	}
}
