package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// postTransport is gqlgen's POST transport (transport.POST, whose Supports it keeps) with one
// change: a response without errors goes out as {"data":…,"extensions":…} around the bytes
// the executor wrote. transport.POST hands every response to json.Marshal, which validates
// and compacts the executor's already compact data and copies it: a second pass over every
// successful response (issue 13: "no re-encoding on the success path"; about 3 % of a flight
// search's CPU). Content negotiation, the request body, status codes and every response with
// errors are as transport.POST does them; TestPostTransportWritesWhatGqlgenWrites compares
// the bytes.
type postTransport struct{ transport.POST }

var _ graphql.Transport = postTransport{}

const (
	contentTypeJSON            = "application/json"
	contentTypeGraphQLResponse = "application/graphql-response+json"
)

// Do serves one POST, as transport.POST.Do (gqlgen v0.17.95) does.
func (postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseContentType(r)
	w.Header().Set("Content-Type", contentType)
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %+v", err)}))
		return
	}
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("json request body could not be decoded: %+v body:%s", err, body)}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		status := http.StatusOK
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			status = http.StatusUnprocessableEntity
			if contentType == contentTypeGraphQLResponse {
				status = http.StatusBadRequest
			}
		}
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// responseContentType is transport.POST's choice of response type from the Accept header
// (application/json unless the client prefers application/graphql-response+json).
func responseContentType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return contentTypeJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", contentTypeJSON:
			return contentTypeJSON
		case contentTypeGraphQLResponse:
			return contentTypeGraphQLResponse
		}
	}
	return contentTypeGraphQLResponse
}

// writeResponse writes resp as json.Marshal would, in one Write. A response with only data
// (and extensions) is assembled around the executor's bytes, which gqlgen's marshallers
// write as compact, valid JSON; anything else goes through json.Marshal.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if len(resp.Errors) > 0 || resp.Label != "" || resp.Path != nil || resp.HasNext != nil {
		marshalResponse(w, resp)
		return
	}
	var ext []byte
	if len(resp.Extensions) > 0 {
		var err error
		if ext, err = json.Marshal(resp.Extensions); err != nil {
			marshalResponse(w, resp)
			return
		}
	}
	data := resp.Data
	if len(data) == 0 {
		data = []byte("null")
	}
	out := make([]byte, 0, len(`{"data":,"extensions":}`)+len(data)+len(ext))
	out = append(out, `{"data":`...)
	if needsHTMLEscape(data) {
		// json.Marshal escapes these in strings for HTML; so do we, in one pass.
		var b bytes.Buffer
		json.HTMLEscape(&b, data)
		out = append(out, b.Bytes()...)
	} else {
		out = append(out, data...)
	}
	if ext != nil {
		out = append(out, `,"extensions":`...)
		out = append(out, ext...)
	}
	out = append(out, '}')
	_, _ = w.Write(out)
}

func marshalResponse(w io.Writer, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		panic(fmt.Errorf("unable to marshal %s: %w", string(resp.Data), err))
	}
	_, _ = w.Write(b)
}

// needsHTMLEscape reports whether data has a character json.Marshal escapes in strings:
// <, >, & and the line and paragraph separators U+2028 and U+2029.
func needsHTMLEscape(data []byte) bool {
	return bytes.IndexAny(data, "<>&") >= 0 || bytes.Contains(data, []byte("\u2028")) || bytes.Contains(data, []byte("\u2029"))
}
