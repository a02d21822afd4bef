package app

import (
	"context"
	"log/slog"

	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/clientip"
	"github.com/skygraph/skygraph/internal/requestid"
)

// auditedAccounts logs every credential check (sign-in, confirmation, refresh) with its
// outcome, the peer address and the transport, never the password, code or token. It
// wraps the identity provider, below GraphQL, so a guess logs the same line whether it
// came over HTTP or a WebSocket, and whichever provider (local or Cognito) answers.
type auditedAccounts struct {
	account.Provider
	log *slog.Logger
}

func (a auditedAccounts) audit(ctx context.Context, event, email string, err error) {
	outcome := "ok"
	if err != nil {
		outcome = string(apperr.CodeOf(err))
	}
	transport := "http"
	if wsStateFrom(ctx) != nil {
		transport = "websocket"
	}
	level := slog.LevelInfo
	if err != nil && apperr.CodeOf(err) != apperr.Internal && apperr.CodeOf(err) != apperr.Unavailable {
		level = slog.LevelWarn
	}
	a.log.Log(ctx, level, event,
		"request_id", requestid.From(ctx), "email", account.NormalizeEmail(email),
		"client_ip", clientip.From(ctx), "transport", transport,
		"outcome", outcome, "reason", apperr.MessageOf(err))
}

// SignIn is the provider's, logged.
func (a auditedAccounts) SignIn(ctx context.Context, email, password string) (account.Session, error) {
	s, err := a.Provider.SignIn(ctx, email, password)
	a.audit(ctx, "sign-in attempt", email, err)
	return s, err
}

// ConfirmSignUp is the provider's, logged.
func (a auditedAccounts) ConfirmSignUp(ctx context.Context, email, code string) error {
	err := a.Provider.ConfirmSignUp(ctx, email, code)
	a.audit(ctx, "confirm-sign-up attempt", email, err)
	return err
}

// Refresh is the provider's, logged (without the token).
func (a auditedAccounts) Refresh(ctx context.Context, refreshToken string) (account.Session, error) {
	s, err := a.Provider.Refresh(ctx, refreshToken)
	a.audit(ctx, "refresh-session attempt", "", err)
	return s, err
}
