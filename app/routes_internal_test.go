package app

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// sameSlice records the slices it is given, to tell a pass-through from a copy.
type sameSlice struct {
	*httptest.ResponseRecorder
	writes [][]byte
}

func (s *sameSlice) Write(p []byte) (int, error) {
	s.writes = append(s.writes, p)
	return s.ResponseRecorder.Write(p)
}

// TestAppsyncErrorsPassesSuccessThrough: a response without errors goes out as the handler
// wrote it, the very slice (no buffering, no copy, issue 13), with its status and headers;
// one with errors is still rewritten with the top-level errorType.
func TestAppsyncErrorsPassesSuccessThrough(t *testing.T) {
	ok := []byte(`{"data":{"getFlight":{"id":"f1"}}}`)
	h := appsyncErrors(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(ok)
	}))
	rec := &sameSlice{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	require.Len(t, rec.writes, 1)
	require.Same(t, &ok[0], &rec.writes[0][0], "the handler's bytes, not a copy")

	bad := []byte(`{"errors":[{"message":"m","extensions":{"errorType":"Unauthorized"}}],"data":null}`)
	h = appsyncErrors(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write(bad)
	}))
	rec = &sameSlice{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.JSONEq(t, `{"errors":[{"message":"m","errorType":"Unauthorized","extensions":{"errorType":"Unauthorized"}}],"data":null}`, rec.Body.String())
}
