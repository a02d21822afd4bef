package auth_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/auth/authtest"
)

// BenchmarkVerify is one ID token's verification (signature, claims, principal) with its
// key cached, the per-request cost of a signed-in caller (`make bench` reports it).
func BenchmarkVerify(b *testing.B) {
	env := authtest.NewEnv(b)
	cfg := env.VerifierConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	v, err := auth.NewVerifier(b.Context(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(v.Close)
	tok := authtest.MintRS256(b, authtest.KIDPrimary, authtest.IDClaims(time.Now()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(b.Context(), tok); err != nil {
			b.Fatal(err)
		}
	}
}
