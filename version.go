package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version describes this binary for `skygraph version` / `--version`: the commit it was
// built from (which the go command embeds when it builds inside a git checkout, so no
// -ldflags step is needed to know what runs in production), whether the tree had
// uncommitted changes, the commit time, and the Go toolchain and platform.
func version(info *debug.BuildInfo, ok bool) string {
	rev, at, dirty := "unknown revision", "", false
	mod := "(devel)"
	if ok && info != nil {
		if info.Main.Version != "" {
			mod = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if dirty {
		rev += "+dirty"
	}
	if at != "" {
		rev += " (" + at + ")"
	}
	goVersion := runtime.Version()
	if ok && info != nil && info.GoVersion != "" {
		goVersion = info.GoVersion
	}
	return fmt.Sprintf("skygraph %s %s %s %s/%s", mod, rev, goVersion, runtime.GOOS, runtime.GOARCH)
}
