package cognito

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/internal/apperr"
)

// op is the operation an error came from: one Cognito error means different things in
// different operations (NotAuthorizedException is a wrong password at sign-in, an already
// confirmed user at confirmation).
type op int

const (
	opSignUp op = iota
	opConfirm
	opSignIn
	opRefresh
	opGroup
)

// mapError turns a Cognito error into the account contract's errors. The SDK error is
// kept as the cause (for logs) except where two failures must be indistinguishable.
func mapError(o op, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return apperr.Wrap(err, apperr.Unavailable, "request cancelled or timed out")
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		var send *smithyhttp.RequestSendError
		if errors.As(err, &send) {
			return apperr.Wrap(err, apperr.Unavailable, "the identity provider is unreachable, retry later")
		}
		return apperr.Wrap(err, apperr.Internal, "internal error")
	}
	code := api.ErrorCode()
	switch code {
	case "TooManyRequestsException", "LimitExceededException", "ThrottlingException", "TooManyFailedAttemptsException":
		return apperr.Wrap(err, apperr.Unavailable, "too many requests, retry later")
	case "InternalErrorException", "ServiceUnavailable":
		return apperr.Wrap(err, apperr.Unavailable, "the identity provider is unavailable, retry later")
	}
	switch o {
	case opSignUp:
		switch code {
		case "UsernameExistsException", "AliasExistsException":
			return account.ErrEmailExists()
		case "InvalidPasswordException", "InvalidParameterException":
			// Cognito's reason is for the user ("Password did not conform with policy: …").
			return apperr.Wrap(err, apperr.BadRequest, "%s", reason(api, "the sign-up was rejected"))
		}
	case opConfirm:
		switch code {
		case "CodeMismatchException", "UserNotFoundException", "NotAuthorizedException":
			// NotAuthorized is cognito-local's answer for an unknown user, and Cognito's
			// for an already confirmed one: neither may differ from a wrong code.
			return account.ErrCodeMismatch()
		case "ExpiredCodeException":
			return account.ErrCodeExpired()
		case "InvalidParameterException":
			return apperr.Wrap(err, apperr.BadRequest, "%s", reason(api, "invalid confirmation request"))
		}
	case opSignIn:
		switch code {
		case "NotAuthorizedException", "UserNotFoundException", "InvalidPasswordException":
			// Cognito's lockout after repeated failures is a NotAuthorizedException with its
			// own message, which the local provider gives too.
			if code == "NotAuthorizedException" && api.ErrorMessage() == account.MsgAttemptsExceeded {
				return account.ErrAttemptsExceeded()
			}
			if code == "NotAuthorizedException" && api.ErrorMessage() == account.MsgUserDisabled {
				return account.ErrUserDisabled()
			}
			// cognito-local answers a wrong password with InvalidPasswordException. No
			// cause: these must be identical in every respect.
			return account.ErrIncorrectCredentials()
		case "UserNotConfirmedException":
			return account.ErrNotConfirmed()
		case "PasswordResetRequiredException":
			return apperr.New(apperr.Unauthorized, "Password reset required for the user")
		}
	case opRefresh:
		switch code {
		case "NotAuthorizedException", "UserNotFoundException", "InvalidParameterException", "RefreshTokenReuseException":
			return account.ErrInvalidRefreshToken()
		}
	case opGroup:
		switch code {
		case "UserNotFoundException":
			return account.ErrUserNotFound()
		case "ResourceNotFoundException":
			// Also a missing pool, which is a misconfiguration, not the caller's error.
			if strings.Contains(strings.ToLower(api.ErrorMessage()), "group") {
				return account.ErrGroupNotFound()
			}
		case "InvalidParameterException":
			return apperr.Wrap(err, apperr.BadRequest, "invalid user or group")
		}
	}
	return apperr.Wrap(err, apperr.Internal, "internal error")
}

// reason is Cognito's message for the user, or fallback when it sent none.
func reason(api smithy.APIError, fallback string) string {
	if m := strings.TrimSpace(api.ErrorMessage()); m != "" {
		return m
	}
	return fallback
}
