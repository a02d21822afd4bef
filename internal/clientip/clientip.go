// Package clientip carries the address of the peer that sent a request on its context,
// for the identity provider's per-address throttling and for sign-in audit logs.
//
// It is the TCP peer, never a forwarded-for header a client can forge: behind a proxy
// every request shares the proxy's address, which is why only the local identity provider
// (a development stand-in; Cognito throttles on its own) throttles by it.
package clientip

import (
	"context"
	"net"
)

type ctxKey struct{}

// With returns ctx carrying the host part of remoteAddr (net/http's Request.RemoteAddr).
func With(ctx context.Context, remoteAddr string) context.Context {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	return context.WithValue(ctx, ctxKey{}, host)
}

// From returns the peer address on ctx, or "".
func From(ctx context.Context) string {
	ip, _ := ctx.Value(ctxKey{}).(string)
	return ip
}
