package resolvers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/requestid"
)

// ErrorTypeKey is the extensions key that carries AppSync's errorType. The HTTP layer
// also copies it to the top level of the error, where AppSync clients look for it.
const ErrorTypeKey = "errorType"

// gqlgen's own codes for documents that do not parse or validate; AppSync reports these
// with errorType ValidationError / MalformedHttpRequestException.
var gqlgenCodes = map[string]string{
	"GRAPHQL_VALIDATION_FAILED": "ValidationError",
	"GRAPHQL_PARSE_FAILED":      "MalformedHttpRequestException",
	"PERSISTED_QUERY_NOT_FOUND": "PersistedQueryNotFound",
}

// PresentError returns the error presenter: every error gets both extensions.code and
// AppSync's errorType; application errors show their client-safe message; anything else
// (and Internal errors) is logged with the request id and shown as "internal error", so
// no storage or SDK detail ever reaches a client.
func PresentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var app *apperr.Error
		if errors.As(err, &app) {
			if app.Code == apperr.Internal {
				log.ErrorContext(ctx, "internal error", "request_id", requestid.From(ctx),
					"path", gqlErr.Path.String(), "error", err.Error())
			}
			gqlErr.Message = apperr.MessageOf(err)
			setCode(gqlErr, string(app.Code), string(app.Code))
			return gqlErr
		}
		// gqlgen's own errors (parse, validation, complexity) are about the document and
		// safe to show; they carry a code already or come without a wrapped cause.
		if code, ok := gqlErr.Extensions["code"].(string); ok {
			typ := gqlgenCodes[code]
			if typ == "" {
				typ = code
			}
			setCode(gqlErr, code, typ)
			return gqlErr
		}
		// What is left comes from gqlgen's input coercion (a string where an Int goes, …):
		// AppError has already turned every resolver error into an *apperr.Error.
		setCode(gqlErr, string(apperr.BadRequest), string(apperr.BadRequest))
		return gqlErr
	}
}

func setCode(e *gqlerror.Error, code, errorType string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
	e.Extensions[ErrorTypeKey] = errorType
}

// AppError is the server's rule for the error a field's resolution returns (the field hooks
// apply it): nil stays nil, an *apperr.Error is kept, and anything else is wrapped as
// Internal, so that the presenter masks it. Only errors gqlgen itself raises about the
// request (coercion of arguments) reach the presenter unwrapped.
func AppError(err error) error {
	var app *apperr.Error
	if err != nil && !errors.As(err, &app) {
		return apperr.Wrap(err, apperr.Internal, "internal error")
	}
	return err
}

// Recover turns a resolver panic into an Internal error, logging the stack with the
// request id; the process keeps serving.
func Recover(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "request_id", requestid.From(ctx),
			"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return apperr.Errorf("panic: %v", p)
	}
}
