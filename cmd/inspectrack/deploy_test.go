package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The systemd unit in deploy/ is one systemd accepts without a warning,
// runs serve as its own user inside the sandbox the README promises, and
// scores an exposure of at most 2.0 of 10 in `systemd-analyze security`.
// Skipped where systemd-analyze is missing.
func TestSystemdUnitIsValidAndSandboxed(t *testing.T) {
	t.Parallel()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze on this machine (Debian's systemd package has it)")
	}
	unit, err := os.ReadFile(filepath.Join("deploy", "inspectrack.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"ExecStart=/usr/local/bin/inspectrack serve", "User=inspectrack", "NoNewPrivileges=yes",
		"ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=",
		"SystemCallFilter=@system-service", "StateDirectory=inspectrack",
	} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + `$`).Match(unit) {
			t.Errorf("the unit has no line %q", line)
		}
	}
	// verify wants the program to exist: point ExecStart at one that does
	// (this test's own binary) and check everything else as written.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	checked := strings.Replace(string(unit), "ExecStart=/usr/local/bin/inspectrack", "ExecStart="+self, 1)
	path := filepath.Join(t.TempDir(), "inspectrack.service")
	if err := os.WriteFile(path, []byte(checked), 0o644); err != nil {
		t.Fatal(err)
	}
	// systemd-analyze verify reports an unknown or misspelt setting on
	// stderr and still exits 0: any output fails the test.
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(analyze, "security", "--offline=true", "--threshold=20", path).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze security: exposure above 2.0 of 10, 20 of its 100 (%v)\n%s", err, out)
	}
	if m := regexp.MustCompile(`Overall exposure level for \S+: (\S+)`).FindSubmatch(out); m != nil {
		t.Logf("systemd-analyze security: exposure %s of 10", m[1])
	}
}
