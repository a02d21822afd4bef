// Package requestid carries the request id (AppSync's x-amzn-RequestId) on the context,
// so every log line of a request, and every masked internal error a client reports, can be
// matched to the server's logs.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"sync"
)

type ctxKey struct{}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// From returns the request id on ctx, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// Compiled on first use, not at package init: counted repetitions and Unicode classes make
// these costly to compile, and init runs on every start (a Lambda cold start included).
var safe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`) })

// Choose returns the client's id when it is safe to log and echo, else a new random one.
func Choose(fromClient string) string {
	if safe().MatchString(fromClient) {
		return fromClient
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
