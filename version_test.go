package main

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVersion(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "7b91a41c0ffee"},
		{Key: "vcs.time", Value: "2026-12-02T04:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	require.Equal(t, "skygraph (devel) 7b91a41c0ffee+dirty (2026-12-02T04:00:00Z) go1.26.0 "+runtime.GOOS+"/"+runtime.GOARCH,
		version(info, true))
	require.Contains(t, version(nil, false), "unknown revision")

	// All three spellings print to standard output, whatever the environment holds.
	env := func(k string) string { return map[string]string{"PORT": "not a port"}[k] }
	for _, arg := range []string{"version", "-version", "--version"} {
		var out, logs bytes.Buffer
		require.NoError(t, run(context.Background(), []string{arg}, env, &logs, &hooks{stdout: &out}))
		require.True(t, strings.HasPrefix(out.String(), "skygraph "), out.String())
		require.Contains(t, out.String(), runtime.Version())
		require.Empty(t, logs.String())
	}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"--help"}, env, io.Discard, &hooks{stdout: &out}))
	require.Contains(t, out.String(), "usage: skygraph")
}
