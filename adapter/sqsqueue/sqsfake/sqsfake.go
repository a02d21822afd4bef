// Package sqsfake is an HTTP fake of Amazon SQS's JSON protocol (AWS JSON 1.0, what
// aws-sdk-go-v2's service/sqs speaks), written from the SQS API reference, for tests:
// no SQS server can be installed here (goaws on the module proxy speaks only the old
// query protocol; ElasticMQ and LocalStack cannot run). It serves, for any number of
// queues named by their URL's last path element:
//
//   - SendMessage, SendMessageBatch (≤ 10 entries, unique Ids, MD5OfMessageBody the SDK
//     verifies), with injectable per-entry failures;
//   - ReceiveMessage (MaxNumberOfMessages 1..10, VisibilityTimeout, ReceiptHandle new at
//     every receipt, MD5OfBody), returning at once instead of long polling;
//   - DeleteMessage, DeleteMessageBatch (a stale ReceiptHandle of a message received again
//     since fails with ReceiptHandleIsInvalid, as SQS does for a handle no longer valid);
//   - errors as SQS sends them: HTTP 400 with {"__type": "com.amazonaws.sqs#Code",
//     "message": …} and the x-amzn-query-error header.
//
// Visibility timeouts run on an injectable clock, so tests move time instead of sleeping.
package sqsfake

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Server is a running fake.
type Server struct {
	// URL is the endpoint for the SDK (BaseEndpoint).
	URL string

	srv        *httptest.Server
	mu         sync.Mutex
	now        func() time.Time
	visibility time.Duration
	queues     map[string]*queue
	// FailSend, when set, decides per message body whether SendMessageBatch reports it
	// failed (code InternalError, SenderFault false).
	FailSend func(body string) bool
	// Requests counts calls by X-Amz-Target.
	Requests map[string]int
}

type message struct {
	id, body  string
	receipt   string
	visibleAt time.Time
	received  int
}

type queue struct{ msgs []*message }

// Start runs a fake whose queues hide received messages for visibility by default, on
// the clock now.
func Start(now func() time.Time, visibility time.Duration) *Server {
	s := &Server{now: now, visibility: visibility, queues: map[string]*queue{}, Requests: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// CreateQueue makes a queue and returns its URL.
func (s *Server) CreateQueue(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queues[name] = &queue{}
	return s.URL + "/000000000000/" + name
}

// Depth returns how many messages a queue holds (visible or not).
func (s *Server) Depth(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queues[name].msgs)
}

type apiError struct {
	status     int
	code, msg  string
	senderSide bool
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "AmazonSQS.")
	if r.Method != http.MethodPost || !ok || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.0") {
		writeError(w, apiError{400, "InvalidAction", fmt.Sprintf("not an SQS JSON request (target %q)", target), true})
		return
	}
	var in map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, apiError{400, "InvalidParameterValue", "body is not JSON", true})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Requests[op]++
	var url string
	_ = json.Unmarshal(in["QueueUrl"], &url)
	q := s.queues[url[strings.LastIndex(url, "/")+1:]]
	if q == nil {
		writeError(w, apiError{400, "QueueDoesNotExist", "The specified queue does not exist.", true})
		return
	}
	var (
		out any
		err *apiError
	)
	switch op {
	case "SendMessage":
		var e struct{ MessageBody string }
		_ = json.Unmarshal(mustJSON(in), &e)
		if e.MessageBody == "" {
			err = &apiError{400, "MissingParameter", "The request must contain the parameter MessageBody.", true}
			break
		}
		m := q.put(e.MessageBody)
		out = map[string]any{"MessageId": m.id, "MD5OfMessageBody": md5hex(m.body)}
	case "SendMessageBatch":
		out, err = s.sendBatch(q, in)
	case "ReceiveMessage":
		out, err = s.receive(q, in)
	case "DeleteMessage":
		var e struct{ ReceiptHandle string }
		_ = json.Unmarshal(mustJSON(in), &e)
		if !q.delete(e.ReceiptHandle) {
			err = &apiError{400, "ReceiptHandleIsInvalid", "The receipt handle is not valid.", true}
		}
		out = map[string]any{}
	case "DeleteMessageBatch":
		out, err = deleteBatch(q, in)
	default:
		err = &apiError{400, "UnsupportedOperation", "sqsfake does not implement " + op, true}
	}
	if err != nil {
		writeError(w, *err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(out)
}

func mustJSON(in map[string]json.RawMessage) []byte { b, _ := json.Marshal(in); return b }

func (q *queue) put(body string) *message {
	m := &message{id: newID(), body: body}
	q.msgs = append(q.msgs, m)
	return m
}

func (q *queue) delete(receipt string) bool {
	for i, m := range q.msgs {
		if receipt != "" && m.receipt == receipt {
			q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
			return true
		}
	}
	return false
}

func (s *Server) sendBatch(q *queue, in map[string]json.RawMessage) (any, *apiError) {
	var entries []struct{ Id, MessageBody string }
	_ = json.Unmarshal(in["Entries"], &entries)
	switch {
	case len(entries) == 0:
		return nil, &apiError{400, "EmptyBatchRequest", "The batch request doesn't contain any entries.", true}
	case len(entries) > 10:
		return nil, &apiError{400, "TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10.", true}
	}
	ids := map[string]bool{}
	ok, failed := []map[string]any{}, []map[string]any{}
	for _, e := range entries {
		if ids[e.Id] {
			return nil, &apiError{400, "BatchEntryIdsNotDistinct", "Two or more batch entries have the same Id.", true}
		}
		ids[e.Id] = true
		if s.FailSend != nil && s.FailSend(e.MessageBody) {
			failed = append(failed, map[string]any{"Id": e.Id, "SenderFault": false, "Code": "InternalError", "Message": "injected"})
			continue
		}
		m := q.put(e.MessageBody)
		ok = append(ok, map[string]any{"Id": e.Id, "MessageId": m.id, "MD5OfMessageBody": md5hex(m.body)})
	}
	return map[string]any{"Successful": ok, "Failed": failed}, nil
}

func (s *Server) receive(q *queue, in map[string]json.RawMessage) (any, *apiError) {
	var p struct {
		MaxNumberOfMessages *int
		VisibilityTimeout   *int
		WaitTimeSeconds     *int
	}
	_ = json.Unmarshal(mustJSON(in), &p)
	max := 1
	if p.MaxNumberOfMessages != nil {
		max = *p.MaxNumberOfMessages
	}
	if max < 1 || max > 10 {
		return nil, &apiError{400, "InvalidParameterValue", "Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.", true}
	}
	if p.WaitTimeSeconds != nil && (*p.WaitTimeSeconds < 0 || *p.WaitTimeSeconds > 20) {
		return nil, &apiError{400, "InvalidParameterValue", "Value for parameter WaitTimeSeconds is invalid.", true}
	}
	vis := s.visibility
	if p.VisibilityTimeout != nil {
		vis = time.Duration(*p.VisibilityTimeout) * time.Second
	}
	now := s.now()
	msgs := []map[string]any{}
	for _, m := range q.msgs {
		if len(msgs) == max {
			break
		}
		if now.Before(m.visibleAt) {
			continue
		}
		m.receipt, m.visibleAt = newID()+newID(), now.Add(vis)
		m.received++
		msgs = append(msgs, map[string]any{
			"MessageId": m.id, "ReceiptHandle": m.receipt, "MD5OfBody": md5hex(m.body), "Body": m.body,
			"Attributes": map[string]string{"ApproximateReceiveCount": fmt.Sprint(m.received)},
		})
	}
	return map[string]any{"Messages": msgs}, nil
}

func deleteBatch(q *queue, in map[string]json.RawMessage) (any, *apiError) {
	var entries []struct{ Id, ReceiptHandle string }
	_ = json.Unmarshal(in["Entries"], &entries)
	if len(entries) == 0 || len(entries) > 10 {
		return nil, &apiError{400, "TooManyEntriesInBatchRequest", "A batch holds 1 to 10 entries.", true}
	}
	ok, failed := []map[string]any{}, []map[string]any{}
	for _, e := range entries {
		if q.delete(e.ReceiptHandle) {
			ok = append(ok, map[string]any{"Id": e.Id})
		} else {
			failed = append(failed, map[string]any{"Id": e.Id, "SenderFault": true, "Code": "ReceiptHandleIsInvalid", "Message": "The receipt handle is not valid."})
		}
	}
	return map[string]any{"Successful": ok, "Failed": failed}, nil
}

func writeError(w http.ResponseWriter, e apiError) {
	fault := "Receiver"
	if e.senderSide {
		fault = "Sender"
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-query-error", "AWS.SimpleQueueService."+e.code+";"+fault)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + e.code, "message": e.msg})
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
