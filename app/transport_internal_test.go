package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// cannedExecutor answers every operation with resp, or refuses it with opErr.
type cannedExecutor struct {
	resp  *graphql.Response
	opErr gqlerror.List
}

func (c cannedExecutor) CreateOperationContext(context.Context, *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	return &graphql.OperationContext{}, c.opErr
}

func (c cannedExecutor) DispatchOperation(ctx context.Context, _ *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	return func(context.Context) *graphql.Response { return c.resp }, ctx
}

func (c cannedExecutor) DispatchError(_ context.Context, list gqlerror.List) *graphql.Response {
	return &graphql.Response{Errors: list}
}

// TestPostTransportWritesWhatGqlgenWrites: skygraph's POST transport writes the same status,
// content type and bytes as gqlgen's transport.POST, for successes (data escaped for HTML as
// json.Marshal does it, extensions, null data), responses with errors, refused operations
// (both content types), a body that is not JSON, and content negotiation.
func TestPostTransportWritesWhatGqlgenWrites(t *testing.T) {
	validation := gqlerror.Errorf("Cannot query field \"nope\" on type \"Query\".")
	errcode.Set(validation, errcode.ValidationFailed)
	trueValue := true
	executors := map[string]cannedExecutor{
		"data":             {resp: &graphql.Response{Data: []byte(`{"getFlight":{"id":"f1","seatCapacity":3,"ticketPrice":120.5}}`)}},
		"html in data":     {resp: &graphql.Response{Data: []byte(`{"a":"<script>&amp;</script>","b":"line\u2028sep\u2029é€😀"}`)}},
		"extensions":       {resp: &graphql.Response{Data: []byte(`{"a":1}`), Extensions: map[string]any{"z": 1, "a": map[string]any{"k": "<v>"}}}},
		"null data":        {resp: &graphql.Response{}},
		"errors with data": {resp: &graphql.Response{Data: []byte(`{"a":null}`), Errors: gqlerror.List{{Message: "Not Authorized", Extensions: map[string]any{"errorType": "Unauthorized"}}}}},
		"deferred":         {resp: &graphql.Response{Data: []byte(`{"a":1}`), Label: "l", HasNext: &trueValue}},
		"refused":          {opErr: gqlerror.List{validation}},
		"refused, not protocol": {opErr: gqlerror.List{{Message: "operation has complexity 2, which exceeds the limit of 1",
			Extensions: map[string]any{"code": "COMPLEXITY_LIMIT_EXCEEDED"}}}},
	}
	bodies := map[string]string{"query": `{"query":"{ a }"}`, "not JSON": `{"query":`}
	accepts := []string{"", "application/json", "application/graphql-response+json", "text/html, */*", "text/html"}
	for name, exec := range executors {
		for bname, body := range bodies {
			for _, accept := range accepts {
				do := func(tr graphql.Transport) *httptest.ResponseRecorder {
					req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					if accept != "" {
						req.Header.Set("Accept", accept)
					}
					rec := httptest.NewRecorder()
					tr.Do(rec, req, exec)
					return rec
				}
				want, got := do(transport.POST{}), do(postTransport{})
				what := name + ", " + bname + ", Accept " + accept
				require.Equal(t, want.Code, got.Code, what)
				require.Equal(t, want.Header(), got.Header(), what)
				require.Equal(t, want.Body.String(), got.Body.String(), what)
			}
		}
	}
}

// BenchmarkWriteResponse is the success path's write of a page of 50 bookings with their
// flights (about 9 KB): skygraph's postTransport against json.Marshal (transport.POST's).
func BenchmarkWriteResponse(b *testing.B) {
	var data strings.Builder
	data.WriteString(`{"getBookingByStatus":{"items":[`)
	for i := range 50 {
		if i > 0 {
			data.WriteByte(',')
		}
		data.WriteString(`{"id":"0b7c7d1e-4a4b-4a8e-9f00-1234567890ab","status":"CONFIRMED","bookingReference":"ABC123",` +
			`"outboundFlight":{"id":"f-1","departureDate":"2026-12-04T08:00:00Z","departureAirportCode":"LGW","arrivalAirportCode":"MAD","flightNumber":1001}}`)
	}
	data.WriteString(`]}}`)
	resp := &graphql.Response{Data: []byte(data.String())}
	for _, c := range []struct {
		name  string
		write func(w io.Writer, resp *graphql.Response)
	}{{"postTransport", writeResponse}, {"json.Marshal", marshalResponse}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(resp.Data)))
			for b.Loop() {
				c.write(io.Discard, resp)
			}
		})
	}
}
