package main

// The Lambda runtime of the one skygraph binary (docs/architecture.md, "Running modes"). When the
// Lambda runtime starts the binary as a custom runtime's bootstrap, AWS_LAMBDA_RUNTIME_API
// is set and run() calls runLambda instead of serve: the same app.App is built, and every
// invocation is one event, dispatched by its shape:
//
//   - API Gateway HTTP API (payload format 2.0) and Lambda Function URL events are HTTP
//     requests: they go through aws-lambda-go-api-proxy's httpadapter to App.Handler, so
//     Lambda, Fargate and `go run .` serve exactly the same routes.
//   - EventBridge events carrying {"skygraph-job": NAME} (the input the CDK rules set), or
//     a raw "Scheduled Event" whose detail carries it, run that background job from the
//     jobs.Registry.
//   - Cognito PostConfirmation trigger events (triggerSource PostConfirmation_*, the user
//     pool's lambdaTriggers.postConfirmation in the CDK app) create the confirmed user's
//     profile, idempotently (user.Service.Register), and answer the event unchanged.
//   - Anything else fails the invocation: an event this build cannot handle must be seen
//     (error metrics, retries, the dead-letter queue), not acknowledged and dropped.
//
// `make lambda` builds it with `-tags 'lambda.norpc skygraph_lambda'`: aws-lambda-go then
// leaves out the legacy go1.x RPC mode that provided.al2023 never uses, and app leaves out
// what Lambda never runs (app.LambdaOnly: the embedded store, the local identity provider,
// the Redis relay, the playground), which makes the bootstrap a third smaller. The default
// build keeps everything and runs Lambda mode too.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/internal/jobs"
)

// backgroundJobs is the registry of background jobs: run by the scheduled rules on Lambda,
// and every jobInterval by server mode (local, Fargate). A rule naming a job missing here
// fails with errorType UnknownJob, on purpose (see jobs.ErrUnknownJob).
func backgroundJobs(a *app.App) jobs.Registry {
	return jobs.Registry{
		jobs.BookingRecovery:  a.RecoverBookings,
		jobs.WaitlistNotifier: a.NotifyWaitlists,
	}
}

// runLambda serves Lambda invocations until the runtime loop ends. It does not return in
// normal operation: aws-lambda-go exits the process when the Runtime API goes away, and a
// SIGTERM (which Lambda sends before shutting an instance down, once an extension is
// registered, as WithEnableSIGTERM does) closes the App and exits 0.
func runLambda(ctx context.Context, cfg app.Config, log *slog.Logger) error {
	start := time.Now()
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	h := newLambdaHandler(a.Handler, backgroundJobs(a), log)
	h.deliver = a.DeliverWaitlistMessage
	h.confirmed = a.Users.Register
	go func() {
		<-ctx.Done() // main's signal.NotifyContext: SIGTERM or SIGINT
		log.Info("shutting down: closing the app", "signal", context.Cause(ctx).Error())
		if err := a.Close(); err != nil {
			log.Error("close", "error", err.Error())
			os.Exit(1)
		}
		log.Info("stopped")
		os.Exit(0)
	}()
	log.Info("skygraph ready on Lambda", "function", os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
		"store", storeName(cfg), "jobs", h.jobs.Names(),
		"started_in", time.Since(start).Round(time.Millisecond).String())
	// Invocations get a context that SIGTERM does not cancel: the shutdown goroutine above
	// decides when the App goes away.
	lambda.StartWithOptions(h, lambda.WithContext(context.WithoutCancel(ctx)), lambda.WithEnableSIGTERM())
	return errors.New("lambda runtime loop ended") // not reached: StartWithOptions exits
}

// lambdaHandler is the function's single handler: it takes raw event JSON (lambda.Handler)
// because one function receives several event types, which a typed handler cannot.
type lambdaHandler struct {
	http *httpadapter.HandlerAdapterV2
	jobs jobs.Registry
	log  *slog.Logger
	// deliver handles one SQS message body of the waitlist notification queue (the event
	// source mapping's records); nil: SQS events are unsupported.
	deliver func(ctx context.Context, body string) error
	// confirmed creates the profile of a user Cognito has just confirmed (the
	// PostConfirmation trigger); nil: trigger events are unsupported.
	confirmed func(ctx context.Context, sub, email, name string) (*user.User, error)
}

func newLambdaHandler(h http.Handler, registry jobs.Registry, log *slog.Logger) *lambdaHandler {
	return &lambdaHandler{http: httpadapter.NewV2(h), jobs: registry, log: log}
}

// Invoke handles one event. A failure is reported to Lambda with an errorType naming what
// went wrong (UnsupportedEvent, UnknownJob, JobFailed, HTTPAdapter), which is what the
// on-failure destination records and what an alarm can filter on.
func (h *lambdaHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	out, err := h.dispatch(ctx, payload)
	if err != nil {
		var ie *invokeError
		if errors.As(err, &ie) {
			return nil, messages.InvokeResponse_Error{Type: ie.kind, Message: ie.Error()}
		}
		return nil, err
	}
	return out, nil
}

// The errorTypes a failed invocation reports.
const (
	errUnsupportedEvent = "UnsupportedEvent"
	errUnknownJob       = "UnknownJob"
	errJobFailed        = "JobFailed"
	errHTTPAdapter      = "HTTPAdapter"
	errPostConfirmation = "PostConfirmationFailed"
)

// invokeError is a failed invocation: kind becomes the Lambda errorType, err stays
// reachable with errors.Is/As for tests.
type invokeError struct {
	kind string
	err  error
}

func (e *invokeError) Error() string { return e.err.Error() }
func (e *invokeError) Unwrap() error { return e.err }

// eventProbe holds the few fields that tell the event shapes apart.
type eventProbe struct {
	// Job is the CDK rules' input, {"skygraph-job": NAME}.
	Job json.RawMessage `json:"skygraph-job"`
	// DetailType, Source and Detail are EventBridge's envelope ("Scheduled Event").
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Detail     json.RawMessage `json:"detail"`
	// Version "2.0" with requestContext.http.method is HTTP API 2.0 or a Function URL.
	Version        string `json:"version"`
	RequestContext struct {
		HTTP struct {
			Method string `json:"method"`
		} `json:"http"`
	} `json:"requestContext"`
	// HTTPMethod is set by the shapes this function does not take: API Gateway REST APIs
	// and HTTP APIs with payload format 1.0, and ALB target groups.
	HTTPMethod string `json:"httpMethod"`
	// Records with eventSource "aws:sqs" are an SQS event source mapping's batch.
	Records []struct {
		EventSource string `json:"eventSource"`
	} `json:"Records"`
	// TriggerSource is set by Cognito user pool triggers (PostConfirmation_ConfirmSignUp, …).
	TriggerSource string `json:"triggerSource"`
}

func (h *lambdaHandler) dispatch(ctx context.Context, payload []byte) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(payload, &top); err != nil {
		return nil, h.unsupported(ctx, "the event is not a JSON object", nil)
	}
	var p eventProbe
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, h.unsupported(ctx, fmt.Sprintf("the event does not decode: %v", err), top)
	}
	switch {
	case p.Job != nil:
		return h.runJob(ctx, p.Job, "event")
	case p.DetailType == "Scheduled Event":
		var detail struct {
			Job json.RawMessage `json:"skygraph-job"`
		}
		_ = json.Unmarshal(p.Detail, &detail) // a detail that is not an object names no job
		if detail.Job == nil {
			err := fmt.Errorf("%w: the scheduled event (source %q) names no job: set the rule's target input to {\"skygraph-job\": NAME}", jobs.ErrUnknownJob, p.Source)
			h.log.ErrorContext(ctx, "scheduled event without a job: failing the invocation so it reaches the dead-letter queue",
				"request_id", awsRequestID(ctx), "error", err.Error())
			return nil, &invokeError{kind: errUnknownJob, err: err}
		}
		return h.runJob(ctx, detail.Job, "scheduled-event detail")
	case p.Version == "2.0" && p.RequestContext.HTTP.Method != "":
		return h.serveHTTP(ctx, payload)
	case len(p.Records) > 0 && p.Records[0].EventSource == "aws:sqs" && h.deliver != nil:
		return h.handleSQS(ctx, payload)
	case strings.HasPrefix(p.TriggerSource, "PostConfirmation_") && h.confirmed != nil:
		return h.postConfirmation(ctx, payload)
	case p.HTTPMethod != "":
		return nil, h.unsupported(ctx, "API Gateway payload format 1.0 and ALB events are not served: use an HTTP API with payload format 2.0 or a Function URL", top)
	default:
		return nil, h.unsupported(ctx, "unknown event shape", top)
	}
}

// postConfirmation handles Cognito's PostConfirmation trigger: for a confirmed sign-up
// (Hosted UI, console, or the API's own confirmSignUp) it creates the user's profile from
// the event's attributes; a profile that exists already is success, so Cognito's retries
// and the API's other creation paths (signUp, lazy creation on first use) agree. Cognito
// expects the event back unchanged. A failure fails the invocation, which Cognito reports
// to the confirming client (the user stays confirmed, and the profile is then created
// lazily on their first signed-in request).
func (h *lambdaHandler) postConfirmation(ctx context.Context, payload []byte) ([]byte, error) {
	var ev events.CognitoEventUserPoolsPostConfirmation
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, h.unsupported(ctx, fmt.Sprintf("PostConfirmation event does not decode: %v", err), nil)
	}
	if ev.TriggerSource != "PostConfirmation_ConfirmSignUp" {
		return payload, nil // a confirmed password reset: nothing to create
	}
	attrs := ev.Request.UserAttributes
	sub := attrs["sub"]
	if sub == "" {
		sub = ev.UserName // an email-username pool's userName is the sub
	}
	_, err := h.confirmed(ctx, sub, attrs["email"], attrs["name"])
	if err != nil {
		h.log.ErrorContext(ctx, "PostConfirmation: profile not created (it will be on first use)",
			"request_id", awsRequestID(ctx), "sub", sub, "error", err.Error())
		return nil, &invokeError{kind: errPostConfirmation, err: err}
	}
	h.log.InfoContext(ctx, "PostConfirmation: profile ready", "request_id", awsRequestID(ctx), "sub", sub)
	return payload, nil
}

// unsupported logs the top-level keys of an event it cannot handle (never the values,
// which may carry credentials) and returns the UnsupportedEvent error.
func (h *lambdaHandler) unsupported(ctx context.Context, why string, top map[string]json.RawMessage) error {
	keys := slices.Sorted(maps.Keys(top))
	h.log.ErrorContext(ctx, "unsupported event: failing the invocation", "request_id", awsRequestID(ctx),
		"reason", why, "keys", keys)
	return &invokeError{kind: errUnsupportedEvent, err: fmt.Errorf("unsupported event (keys %v): %s", keys, why)}
}

// serveHTTP passes an HTTP API 2.0 or Function URL event (the same JSON shape) through
// the adapter: it decodes base64 bodies, keeps headers (Authorization included), cookies
// and the raw query string, and base64-encodes a response body that is not UTF-8.
func (h *lambdaHandler) serveHTTP(ctx context.Context, payload []byte) ([]byte, error) {
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, h.unsupported(ctx, fmt.Sprintf("HTTP event does not decode: %v", err), nil)
	}
	// Without a client X-Request-Id, the app's request id (x-amzn-RequestId, and every log
	// line of the request) is the Lambda request id, which Lambda's own logs carry too.
	if id := awsRequestID(ctx); id != "" && !hasHeader(ev.Headers, "X-Request-Id") {
		if ev.Headers == nil {
			ev.Headers = map[string]string{}
		}
		ev.Headers["x-request-id"] = id
	}
	res, err := h.http.ProxyWithContext(ctx, ev)
	if err != nil {
		h.log.ErrorContext(ctx, "HTTP event could not be served", "request_id", awsRequestID(ctx), "error", err.Error())
		return nil, &invokeError{kind: errHTTPAdapter, err: err}
	}
	return json.Marshal(res)
}

func hasHeader(headers map[string]string, name string) bool {
	for k := range headers {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// jobResult is the response of a successful job invocation (visible in the Lambda
// console's test tab and to on-success destinations).
type jobResult struct {
	Job        string `json:"job"`
	Status     string `json:"status"`
	DurationMS int64  `json:"durationMs"`
}

// runJob runs the named job with a deadline a little before the Lambda deadline, so a job
// that honours ctx stops in time for its error to be reported (and retried) instead of
// the invocation being killed as timed out.
func (h *lambdaHandler) runJob(ctx context.Context, raw json.RawMessage, from string) ([]byte, error) {
	var name string
	if err := json.Unmarshal(raw, &name); err != nil || name == "" {
		return nil, h.unsupported(ctx, fmt.Sprintf("skygraph-job in the %s must be a non-empty string, got %s", from, truncate(string(raw), 64)), nil)
	}
	log := h.log.With("job", name, "request_id", awsRequestID(ctx))
	jctx, cancel := jobContext(ctx)
	defer cancel()
	start := time.Now()
	if dl, ok := jctx.Deadline(); ok {
		log.InfoContext(ctx, "job started", "deadline_in", time.Until(dl).Round(time.Millisecond).String())
	} else {
		log.InfoContext(ctx, "job started")
	}
	err := h.jobs.Run(jctx, name)
	took := time.Since(start)
	switch {
	case errors.Is(err, jobs.ErrUnknownJob):
		log.ErrorContext(ctx, "unknown job: failing the invocation so it is retried and reaches the dead-letter queue",
			"registered", h.jobs.Names(), "error", err.Error())
		return nil, &invokeError{kind: errUnknownJob, err: err}
	case err != nil:
		log.ErrorContext(ctx, "job failed", "took", took.Round(time.Millisecond).String(), "error", err.Error())
		return nil, &invokeError{kind: errJobFailed, err: err}
	}
	log.InfoContext(ctx, "job finished", "took", took.Round(time.Millisecond).String())
	return json.Marshal(jobResult{Job: name, Status: "succeeded", DurationMS: took.Milliseconds()})
}

// jobContext ends a tenth of the remaining time (at most 2 s) before ctx's deadline.
func jobContext(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	margin := min(time.Until(dl)/10, 2*time.Second)
	return context.WithDeadline(ctx, dl.Add(-margin))
}

func awsRequestID(ctx context.Context) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return lc.AwsRequestID
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// handleSQS delivers an SQS event source mapping's batch of waitlist notifications and
// reports the records that must be retried as batch item failures (the mapping is
// configured with ReportBatchItemFailures): SQS deletes the others, and moves a record
// that keeps failing to the dead-letter queue after the redrive count. A delivery is
// idempotent (a message delivered twice notifies once), so retrying a record is safe.
func (h *lambdaHandler) handleSQS(ctx context.Context, payload []byte) ([]byte, error) {
	var ev events.SQSEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, h.unsupported(ctx, fmt.Sprintf("SQS event does not decode: %v", err), nil)
	}
	res := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, r := range ev.Records {
		if err := h.deliver(ctx, r.Body); err != nil {
			h.log.WarnContext(ctx, "waitlist notification not delivered; SQS retries it", "request_id", awsRequestID(ctx),
				"message_id", r.MessageId, "error", err.Error())
			res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return json.Marshal(res)
}
