package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/internal/apperr"
)

// postConfirmationEvent is a Cognito PostConfirmation trigger event as Lambda delivers it.
func postConfirmationEvent(trigger, sub, email, name string) string {
	ev := map[string]any{
		"version": "1", "region": "eu-west-1", "userPoolId": "eu-west-1_AbC123", "userName": sub,
		"callerContext": map[string]any{"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "client-1"},
		"triggerSource": trigger,
		"request": map[string]any{"userAttributes": map[string]any{
			"sub": sub, "email": email, "email_verified": "true", "name": name, "cognito:user_status": "CONFIRMED",
		}},
		"response": map[string]any{},
	}
	b, _ := json.Marshal(ev)
	return string(b)
}

// TestLambdaPostConfirmation: the PostConfirmation trigger creates the confirmed user's
// profile, idempotently (Cognito may invoke it again; signUp and lazy creation may have
// made it already), and answers the event unchanged; a confirmed password reset creates
// nothing; an event without a user fails the invocation.
func TestLambdaPostConfirmation(t *testing.T) {
	env := map[string]string{"SKYGRAPH_SEED_DAYS": "1"}
	cfg, err := app.FromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	logs := &lockedBuffer{}
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewJSONHandler(logs, nil)), app.Options{LocalBcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	h := newLambdaHandler(a.Handler, backgroundJobs(a), slog.New(slog.NewJSONHandler(logs, nil)))
	h.confirmed = a.Users.Register
	ctx := context.Background()

	sub := uuid.NewString()
	ev := postConfirmationEvent("PostConfirmation_ConfirmSignUp", sub, "Hosted.UI@Example.com", "Hosted UI")
	for i := range 2 {
		out, err := h.Invoke(invocation(t, "pc-"+sub[:4]), []byte(ev))
		require.NoError(t, err, "invocation %d", i)
		require.JSONEq(t, ev, string(out), "Cognito expects the event back")
		u, err := a.Store.Users().Get(ctx, sub)
		require.NoError(t, err)
		require.Equal(t, "hosted.ui@example.com", u.Email)
		require.Equal(t, "Hosted UI", u.Name)
		require.Equal(t, int64(1), u.Version, "created once")
	}

	reset := uuid.NewString()
	out, err := h.Invoke(invocation(t, "pc-reset"), []byte(postConfirmationEvent("PostConfirmation_ConfirmForgotPassword", reset, "reset@example.com", "R")))
	require.NoError(t, err)
	require.NotEmpty(t, out)
	_, err = a.Store.Users().Get(ctx, reset)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "a password reset creates no profile")

	_, err = h.Invoke(invocation(t, "pc-bad"), []byte(postConfirmationEvent("PostConfirmation_ConfirmSignUp", "", "x@example.com", "X")))
	var ie messages.InvokeResponse_Error
	require.True(t, errors.As(err, &ie), "%v", err)
	require.Equal(t, errPostConfirmation, ie.Type)
	require.Contains(t, logs.String(), "PostConfirmation: profile not created")
}
