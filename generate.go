package main

// The one code generation step: graph/ (executor and models) and the resolver stubs come
// from schema/*.graphqls and gqlgen.yml. CI fails when this changes committed files.
//go:generate go tool gqlgen generate --config gqlgen.yml
