package scalars_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/scalars"
)

func TestAWSIPAddress(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		awsIPAddress.runValid(t, []string{
			// The AppSync guide's own examples.
			"123.12.34.56", "1a2b:3c4b::1234:4567", "123.45.67.89/16",
			// IPv4.
			"0.0.0.0", "255.255.255.255", "127.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "1.2.3.4/32",
			// IPv6 forms.
			"::", "::1", "fe80::1", "2001:db8::/32", "::/0", "fe80::1/128", "2001:DB8::1",
			"2001:0db8:0000:0000:0000:ff00:0042:8329", "::ffff:192.0.2.1", "::ffff:192.0.2.1/120",
			"1:2:3:4:5:6:7:8",
		})
	})
	t.Run("invalid", func(t *testing.T) {
		awsIPAddress.runInvalid(t, []string{
			"", "localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-4", "01.2.3.4",
			"1.2.3.4 ", " 1.2.3.4", "1.2.3.4\n", "0x7f.0.0.1", "1.2.3.4:80", "123.45.67.89:80",
			// Prefixes.
			"1.2.3.4/33", "::1/129", "1.2.3.4/", "1.2.3.4/08", "1.2.3.4/-1", "1.2.3.4/+8",
			"1.2.3.4/16/8", "/16", "1.2.3.4/255.255.0.0",
			// IPv6: brackets, zones, bad groups.
			"[::1]", "[2001:db8::1]/64", "[::1]:80", "fe80::1%eth0", "fe80::1%eth0/64",
			"1:2:3:4:5:6:7:8:9", "2001:db8:::1", "gggg::1", "2001:db8::1::2", "12345::1", ":::",
			strings.Repeat("1", scalars.MaxInputLen+1), "1.2.3.4\xff",
		})
	})
	t.Run("wrong types", awsIPAddress.runWrongTypes)
	t.Run("messages", func(t *testing.T) {
		for in, want := range map[string]string{
			"[::1]":        "must not be bracketed",
			"fe80::1%eth0": "zones (%eth0) are not allowed",
			"1.2.3.4/33":   "the CIDR suffix must be /0 to /32 for IPv4 or /0 to /128 for IPv6",
			"1.2.3.400":    "expected an IPv4 address such as 123.12.34.56",
		} {
			err := scalars.ValidIPAddress(in)
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
			require.Contains(t, apperr.MessageOf(err), want)
		}
	})
}
