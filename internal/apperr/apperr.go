// Package apperr is skygraph's one application error type.
//
// Every layer below the GraphQL edge reports failures as *Error with a Code from the
// small set below. The edge (the error presenter in resolvers/) turns the code into
// AppSync's errorType and extensions.code, and shows clients only Message; Cause is
// logged, never sent, so storage or SDK details cannot leak through an error.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for clients. The values are the strings clients see as
// errorType and extensions.code, so they never change once published.
type Code string

// The codes. Keep the set small: a client branches on these, and every new code is
// a new contract.
const (
	// BadRequest: the input is invalid (bad scalar, failed validation, forged nextToken).
	BadRequest Code = "BadRequest"
	// Unauthorized: the caller may not do this (AppSync's errorType for any denial).
	Unauthorized Code = "Unauthorized"
	// NotFound: the object does not exist (or the caller may not know it exists).
	NotFound Code = "NotFound"
	// Conflict: the write lost to another one or breaks uniqueness; the caller may retry.
	Conflict Code = "Conflict"
	// SoldOut: the resource (seats) is exhausted; retrying will not help.
	SoldOut Code = "SoldOut"
	// OutOfStock: a product has fewer units left than an order asks for; retrying the
	// same order will not help (the stock counterpart of SoldOut).
	OutOfStock Code = "OutOfStock"
	// PaymentDeclined: the card processor refused the payment; another card may work.
	PaymentDeclined Code = "PaymentDeclined"
	// Unavailable: a dependency is down or throttling; retry later.
	Unavailable Code = "Unavailable"
	// LimitExceeded: the request is over a per-request limit (resolver calls, subscriptions
	// per connection); a smaller request may succeed, the same one never will.
	LimitExceeded Code = "LimitExceeded"
	// ExecutionTimeout: the request ran past its deadline and was cut short (AppSync's
	// errorType for the same case); what did run may have taken effect.
	ExecutionTimeout Code = "ExecutionTimeout"
	// Internal: a bug or an unexpected failure. Its message is never shown to clients.
	Internal Code = "Internal"
)

// Error is the application error. Message is safe for clients; Cause is for logs only.
type Error struct {
	Code    Code
	Message string
	Cause   error
}

// Error implements error. It includes the cause, so logs get the whole story; the
// presenter uses Message, not this string.
func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Cause }

// New returns an error with a code and a client-safe message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with a code and a client-safe message that keeps cause for logs.
func Wrap(cause error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// Errorf is shorthand for an Internal error whose message is only ever logged.
func Errorf(format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: Internal, Message: "internal error", Cause: err}
}

// CodeOf returns the code of the first *Error in err's chain; any other error is
// Internal, and nil has no code.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// MessageOf returns the client-safe message of err: the message of the first *Error in
// its chain unless that is Internal, and "internal error" for everything else.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		return e.Message
	}
	return "internal error"
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }
