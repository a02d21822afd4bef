// Package layers checks skygraph's import rules (DESIGN.md "Layers"): data flows down,
// and the edges that would couple layers are forbidden. The rules are checked on the
// transitive imports `go list` reports, so an indirect path counts too.
package layers

import (
	"fmt"
	"sort"
	"strings"
)

// Module is the module path every rule is relative to.
const Module = "github.com/skygraph/skygraph"

// Package is one package and everything it imports, directly or not.
type Package struct {
	ImportPath string
	Deps       []string
}

// Rule forbids packages matching From to depend on packages with any of the Forbidden
// prefixes.
type Rule struct {
	Name      string
	From      func(pkg string) bool
	Forbidden []string
}

// infrastructure are the packages that are not domain packages: edges, adapters, wiring.
var infrastructure = []string{
	"app", "auth", "cardsim", "cdk", "cognito", "dynamo", "graph", "internal", "loaders", "localidp", "playground",
	"resolvers", "scalars",
}

func rel(pkg string) (string, bool) {
	if pkg == Module {
		return "", true
	}
	r, ok := strings.CutPrefix(pkg, Module+"/")
	return r, ok
}

func under(pkg string, dirs ...string) bool {
	r, ok := rel(pkg)
	if !ok {
		return false
	}
	for _, d := range dirs {
		if r == d || strings.HasPrefix(r, d+"/") {
			return true
		}
	}
	return false
}

// IsDomain reports whether pkg is a domain package: any package of the module that is not
// infrastructure or the main package, so a new domain package is covered automatically.
func IsDomain(pkg string) bool {
	r, ok := rel(pkg)
	return ok && r != "" && !under(pkg, infrastructure...)
}

const aws = "github.com/aws/"

// Rules are skygraph's layer rules.
var Rules = []Rule{
	{
		Name:      "resolvers and loaders never reach storage or AWS",
		From:      func(p string) bool { return under(p, "resolvers", "loaders") },
		Forbidden: []string{Module + "/dynamo", aws},
	},
	{
		Name:      "generated code binds domain types, never storage",
		From:      func(p string) bool { return under(p, "graph") },
		Forbidden: []string{Module + "/dynamo", aws},
	},
	{
		Name: "domain packages import neither gqlgen nor AWS nor outer layers",
		From: IsDomain,
		Forbidden: []string{
			"github.com/99designs/gqlgen", "github.com/vektah/gqlparser", aws,
			Module + "/dynamo", Module + "/graph", Module + "/resolvers", Module + "/loaders",
			Module + "/app", Module + "/auth",
		},
	},
}

// Check returns one line per forbidden dependency found, sorted.
func Check(pkgs []Package, rules []Rule) []string {
	var out []string
	for _, p := range pkgs {
		for _, r := range rules {
			if !r.From(p.ImportPath) {
				continue
			}
			for _, d := range p.Deps {
				for _, f := range r.Forbidden {
					if d == f || strings.HasPrefix(d, f) && (strings.HasSuffix(f, "/") || strings.HasPrefix(d, f+"/")) {
						out = append(out, fmt.Sprintf("%s imports %s (rule: %s)", p.ImportPath, d, r.Name))
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
