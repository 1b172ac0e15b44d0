package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// cmdVersion prints what the binary was built from, as Go recorded it:
// the module's version, the VCS revision and its time (with "modified" when
// the working tree had changes), and the Go release.
func cmdVersion(args []string, stdout io.Writer) error {
	if len(args) != 0 {
		return usagef("version: takes no arguments")
	}
	version, revision, when, modified := "(unknown)", "(unknown)", "(unknown)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = " (modified)"
				}
			}
		}
	}
	fmt.Fprintf(stdout, "inspectrack %s\nrevision %s%s\ntime %s\ngo %s %s/%s\n",
		version, revision, modified, when, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
