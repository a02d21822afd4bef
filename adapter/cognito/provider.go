package cognito

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/internal/apperr"
)

var _ account.Provider = (*Provider)(nil)

// SignUp registers the email as the username, with the email and name attributes.
func (p *Provider) SignUp(ctx context.Context, email, password, name string) (string, error) {
	email = account.NormalizeEmail(email)
	out, err := p.api.SignUp(ctx, &cip.SignUpInput{
		ClientId: aws.String(p.cfg.ClientID),
		Username: aws.String(email),
		Password: aws.String(password),
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)},
			{Name: aws.String("name"), Value: aws.String(account.NormalizeName(name))},
		},
	})
	if err != nil {
		return "", mapError(opSignUp, err)
	}
	return aws.ToString(out.UserSub), nil
}

// ConfirmSignUp confirms with the code Cognito e-mailed. Cognito has no code-less
// confirmation (that is AdminConfirmSignUp, an admin's act), so an empty code is a
// BadRequest without a call.
func (p *Provider) ConfirmSignUp(ctx context.Context, email, code string) error {
	if code == "" {
		return apperr.New(apperr.BadRequest, "code: required; enter the code sent to your email")
	}
	_, err := p.api.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{
		ClientId:         aws.String(p.cfg.ClientID),
		Username:         aws.String(account.NormalizeEmail(email)),
		ConfirmationCode: aws.String(code),
	})
	return mapError(opConfirm, err)
}

// SignIn runs the USER_PASSWORD_AUTH flow.
func (p *Provider) SignIn(ctx context.Context, email, password string) (account.Session, error) {
	out, err := p.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId:       aws.String(p.cfg.ClientID),
		AuthFlow:       types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": account.NormalizeEmail(email), "PASSWORD": password},
	})
	if err != nil {
		return account.Session{}, mapError(opSignIn, err)
	}
	return p.session(out, "")
}

// Refresh runs the REFRESH_TOKEN_AUTH flow. Cognito returns no new refresh token (unless
// rotation is on), so the session keeps the one it was given.
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (account.Session, error) {
	if refreshToken == "" {
		return account.Session{}, account.ErrInvalidRefreshToken()
	}
	out, err := p.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId:       aws.String(p.cfg.ClientID),
		AuthFlow:       types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": refreshToken},
	})
	if err != nil {
		return account.Session{}, mapError(opRefresh, err)
	}
	return p.session(out, refreshToken)
}

// AddUserToGroup is AdminAddUserToGroup. Cognito resolves the username as the sub or,
// in an email-username pool, the email.
func (p *Provider) AddUserToGroup(ctx context.Context, user, group string) error {
	_, err := p.api.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{
		UserPoolId: aws.String(p.cfg.UserPoolID),
		Username:   aws.String(account.NormalizeUser(user)),
		GroupName:  aws.String(group),
	})
	return mapError(opGroup, err)
}

// RemoveUserFromGroup is AdminRemoveUserFromGroup.
func (p *Provider) RemoveUserFromGroup(ctx context.Context, user, group string) error {
	_, err := p.api.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{
		UserPoolId: aws.String(p.cfg.UserPoolID),
		Username:   aws.String(account.NormalizeUser(user)),
		GroupName:  aws.String(group),
	})
	return mapError(opGroup, err)
}

// DisableUser is AdminDisableUser: Cognito refuses the user's sign-ins and refreshes
// from then on (and revokes its refresh tokens). Idempotent.
func (p *Provider) DisableUser(ctx context.Context, user string) error {
	_, err := p.api.AdminDisableUser(ctx, &cip.AdminDisableUserInput{
		UserPoolId: aws.String(p.cfg.UserPoolID),
		Username:   aws.String(account.NormalizeUser(user)),
	})
	return mapError(opGroup, err)
}

// Groups is AdminListGroupsForUser, every page.
func (p *Provider) Groups(ctx context.Context, user string) ([]string, error) {
	in := &cip.AdminListGroupsForUserInput{
		UserPoolId: aws.String(p.cfg.UserPoolID),
		Username:   aws.String(account.NormalizeUser(user)),
	}
	groups := []string{}
	for {
		out, err := p.api.AdminListGroupsForUser(ctx, in)
		if err != nil {
			return nil, mapError(opGroup, err)
		}
		for _, g := range out.Groups {
			groups = append(groups, aws.ToString(g.GroupName))
		}
		if aws.ToString(out.NextToken) == "" {
			return groups, nil
		}
		in.NextToken = out.NextToken
	}
}

// session turns an InitiateAuth answer into a Session. A challenge (a new password, MFA)
// is a flow this API does not offer, so it is refused rather than half-done.
func (p *Provider) session(out *cip.InitiateAuthOutput, refreshToken string) (account.Session, error) {
	r := out.AuthenticationResult
	if r == nil {
		if out.ChallengeName != "" {
			return account.Session{}, apperr.New(apperr.Unauthorized,
				"Sign-in requires the %s challenge, which this API does not support.", out.ChallengeName)
		}
		return account.Session{}, apperr.Errorf("cognito: InitiateAuth returned neither tokens nor a challenge")
	}
	s := account.Session{
		IDToken:      aws.ToString(r.IdToken),
		AccessToken:  aws.ToString(r.AccessToken),
		RefreshToken: aws.ToString(r.RefreshToken),
		ExpiresIn:    int(r.ExpiresIn),
	}
	if s.IDToken == "" || s.AccessToken == "" {
		return account.Session{}, apperr.Errorf("cognito: InitiateAuth returned no ID or access token")
	}
	if s.RefreshToken == "" {
		s.RefreshToken = refreshToken
	}
	if s.ExpiresIn <= 0 {
		// cognito-local leaves ExpiresIn at 0: derive it from the token's own expiry.
		s.ExpiresIn = expiresIn(s.IDToken, p.now())
	}
	return s, nil
}

// expiresIn reads a JWT's exp without verifying it (it came straight from Cognito over
// TLS; verifying is the API's job) and returns the seconds left, at least 1.
func expiresIn(token string, now time.Time) int {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return 1
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return 1
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return 1
	}
	return max(1, int(claims.Exp-now.Unix()))
}
