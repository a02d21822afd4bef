package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/app/demo"
)

// TestReadmeWalkthrough is the README's promise that its walk-through works as written on
// any day: the sh blocks between the walkthrough markers run, unchanged but for the port,
// in a fresh bash (no inherited TOKEN or variables) against the real server (`go run .`'s
// code path, embedded store seeded from today), and every JSON answer they print must have
// the shape the README shows: the same fields with the same JSON types, and the same
// upper-case enum values (CONFIRMED, AUTHORIZED, CAPTURED, EUR).
//
// The block's own `date` line asks for tomorrow. It runs once with the machine's date,
// then with a stand-in date that behaves like BSD/macOS date (no -d, -v+1d instead) and
// answers a later day of the seeded 30: one day for each different case among them (the
// price of the first LGW→MAD flight with seats, which flight of the day that is, how many
// have seats), so every case any seeded day can present is run, and so is the BSD fallback.
func TestReadmeWalkthrough(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "sed"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("the README walk-through needs %s: %v", tool, err)
			}
			t.Skipf("the README walk-through needs %s (%v)", tool, err)
		}
	}
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	script, shown := walkthrough(t, string(readme))

	url, _, _, _ := startServer(t, nil)
	script = strings.ReplaceAll(script, "localhost:8080", strings.TrimPrefix(url, "http://"))

	runDay := func(t *testing.T, dateDir string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a hang guard only
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-e", "-c", script)
		path := os.Getenv("PATH")
		if dateDir != "" {
			path = dateDir + string(os.PathListSeparator) + path
		}
		cmd.Env = []string{"PATH=" + path, "HOME=" + t.TempDir(), "LC_ALL=C"}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Run(), "stderr: %s\nstdout: %s", stderr.String(), stdout.String())
		require.Empty(t, stderr.String())
		got := decodeAll(t, stdout.Bytes())
		require.Len(t, got, len(shown), "answers printed, as shown in the README:\n%s", stdout.String())
		for i := range shown {
			require.NoError(t, sameShape("answer "+fmt.Sprint(i+1), shown[i], got[i]), "got:\n%s", stdout.String())
		}
	}

	t.Run("tomorrow", func(t *testing.T) { runDay(t, "") })
	days := walkthroughCases(t, time.Now())
	require.GreaterOrEqual(t, len(days), 5, "the seeded days differ in price and seats")
	for _, d := range days {
		t.Run("bsd-date/"+d, func(t *testing.T) { runDay(t, bsdDate(t, d)) })
	}
}

// walkthroughCases returns the first of the seeded days 2..29 for each case the walk-through
// can meet: the first LGW→MAD flight with seats (its price and its slot in the day) and how
// many flights have seats (0, 1, or 2 and more; the search shows two).
func walkthroughCases(t *testing.T, now time.Time) []string {
	flights, err := demo.Flights(now, 30)
	require.NoError(t, err)
	type dayCase struct{ price, slot, withSeats int }
	cases := map[string]*dayCase{}
	for _, f := range flights {
		if f.DepartureAirportCode != "LGW" || f.ArrivalAirportCode != "MAD" {
			continue
		}
		day := f.DepartureDate[:len(time.DateOnly)]
		c := cases[day]
		if c == nil {
			c = &dayCase{slot: -1}
			cases[day] = c
		}
		if f.SeatCapacity > 0 {
			if c.withSeats == 0 {
				c.price, c.slot = f.TicketPrice, f.FlightNumber
			}
			c.withSeats = min(c.withSeats+1, 2)
		}
	}
	seen := map[dayCase]bool{}
	var out []string
	for n := 2; n < 30; n++ {
		day := now.UTC().AddDate(0, 0, n).Format(time.DateOnly)
		if c := cases[day]; c != nil && !seen[*c] {
			seen[*c] = true
			out = append(out, day)
		}
	}
	return out
}

// bsdDate makes a directory holding a `date` that answers like BSD/macOS date asked for
// tomorrow: -d is an illegal option there, -v+1d works. It prints day instead of tomorrow.
func bsdDate(t *testing.T, day string) string {
	dir := t.TempDir()
	shim := "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in -d) echo 'date: illegal option -- d' >&2; exit 1;; esac; done\n" +
		"case \" $* \" in *' -v+1d '*) echo " + day + ";; *) exit 1;; esac\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "date"), []byte(shim), 0o755))
	return dir
}

var (
	walkRegion = regexp.MustCompile(`(?s)<!-- walkthrough:begin.*?-->(.*?)<!-- walkthrough:end -->`)
	fenced     = regexp.MustCompile("(?s)```(sh|json)\n(.*?)```")
)

// walkthrough returns the README's walk-through: its sh blocks as one script, and the
// answers its json blocks show, in order.
func walkthrough(t *testing.T, readme string) (string, []any) {
	t.Helper()
	m := walkRegion.FindStringSubmatch(readme)
	require.NotNil(t, m, "README.md has no walkthrough:begin/end markers")
	var script strings.Builder
	var shown []any
	for _, b := range fenced.FindAllStringSubmatch(m[1], -1) {
		if b[1] == "sh" {
			script.WriteString(b[2])
		} else {
			shown = append(shown, decodeAll(t, []byte(b[2]))...)
		}
	}
	require.NotEmpty(t, shown)
	return script.String(), shown
}

func decodeAll(t *testing.T, b []byte) []any {
	t.Helper()
	var out []any
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err, "not a stream of JSON values:\n%s", b)
		out = append(out, v)
	}
}

var enumValue = regexp.MustCompile(`^[A-Z][A-Z_]+$`)

// sameShape reports how got differs from the shape of want: the same object keys, the same
// JSON types, every list element shaped like want's first, and equal enum-like strings.
func sameShape(path string, want, got any) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %v", path, got)
		}
		for k := range w {
			if _, ok := g[k]; !ok {
				return fmt.Errorf("%s: missing %q in %v", path, k, got)
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return fmt.Errorf("%s: unexpected %q in %v", path, k, got)
			}
			if err := sameShape(path+"."+k, w[k], g[k]); err != nil {
				return err
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || (len(w) > 0 && len(g) == 0) {
			return fmt.Errorf("%s: want a non-empty list, got %v", path, got)
		}
		for i := range g {
			if err := sameShape(fmt.Sprintf("%s[%d]", path, i), w[0], g[i]); err != nil {
				return err
			}
		}
	case string:
		g, ok := got.(string)
		if !ok || g == "" || (enumValue.MatchString(w) && g != w) {
			return fmt.Errorf("%s: want %q (or a string like it), got %v", path, w, got)
		}
	case float64:
		if _, ok := got.(float64); !ok {
			return fmt.Errorf("%s: want a number, got %v", path, got)
		}
	default:
		if want != got {
			return fmt.Errorf("%s: want %v, got %v", path, want, got)
		}
	}
	return nil
}
