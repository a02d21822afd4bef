package scalars_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/scalars"
)

func TestAWSURL(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		awsURL.runValid(t, []string{
			// The AppSync guide's own examples.
			"https://www.amazon.com/dp/B000NZW3KC/", "mailto:example@example.com",
			// Hierarchical URLs.
			"http://example.com", "https://example.com/", "https://example.com/a/b?x=1&y=2#frag",
			"https://user:pass@example.com:8443/path", "http://[::1]:8080/", "http://192.0.2.1/",
			"https://example.com:0/", "HTTPS://EXAMPLE.COM/Path", "ftp://ftp.example.com/file.txt",
			"ws://example.com/socket", "file:///etc/hosts", "file:/etc/hosts",
			// // is only forbidden in the path, not in the query or fragment.
			"https://example.com/?next=//other", "https://example.com/#//frag",
			// Other schemes, and opaque URIs.
			"s3://bucket/key", "myapp://open/item/42", "urn:isbn:0451450523",
			"tel:+1-201-555-0123", "mailto:a@example.com?subject=Hi%20there", "data:text/plain,hello",
			// Percent-encoding and non-ASCII characters.
			"https://example.com/caf%C3%A9", "https://example.com/café", "https://example.com/a%2F%2Fb",
		})
	})
	t.Run("invalid", func(t *testing.T) {
		awsURL.runInvalid(t, []string{
			"",
			// No scheme: the AppSync guide's invalid example and relatives.
			"www.amazon.com", "example.com/path", "//example.com/path", "/relative/path", "path", "?q=1",
			// // in the path.
			"https://www.amazon.com//dp/B000NZW3KC/", "https://example.com/a//b", "https://example.com//",
			"mailto:a//b@example.com",
			// Nothing after the scheme, or no host where one is needed.
			"https://", "https:", "mailto:", "http:/foo", "http:///foo", "https://:443/", "ftp:///file",
			// Whitespace and control characters must be percent-encoded.
			"https://exa mple.com", "https://example.com/a b", "https://example.com/\t", " https://example.com",
			"https://example.com\n", "https://example.com/\x00", "https://example.com/\u00a0",
			// Malformed parts.
			"https://example.com:99999/", "https://example.com:abc/", "https://example.com/%zz",
			"ht tp://example.com", "1http://example.com", "://example.com", ":", "http://[::1/",
			// A host and port without a scheme.
			"localhost:8080", "localhost:8080/path", "example:443?x",
			strings.Repeat("a", scalars.MaxInputLen+1), "https://example.com/\xff",
		})
	})
	t.Run("wrong types", awsURL.runWrongTypes)
	t.Run("messages", func(t *testing.T) {
		for in, want := range map[string]string{
			"www.amazon.com":         "the scheme (such as https:) is missing",
			"https://example.com//a": "the path contains //",
			"https://exa mple.com":   "whitespace or a control character",
			"http:/foo":              "a http URL needs a host",
			"https:":                 "nothing follows the scheme",
			"localhost:8080":         "looks like a host and port without a scheme",
			"https://e.com:70000":    "port is out of range",
		} {
			err := scalars.ValidURL(in)
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), in)
			require.Contains(t, apperr.MessageOf(err), want, in)
		}
	})
}
