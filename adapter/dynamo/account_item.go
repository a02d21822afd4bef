package dynamo

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/skygraph/skygraph/adapter/localidp"
)

// accountItem is a local-provider user as stored. Its groups are separate items in the
// same partition (accountGroupItem).
type accountItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Type string `dynamodbav:"_type"`

	Sub          string `dynamodbav:"sub"`
	Email        string `dynamodbav:"email"`
	Name         string `dynamodbav:"name"`
	PasswordHash string `dynamodbav:"passwordHash"`
	Confirmed    bool   `dynamodbav:"confirmed"`
	// Code and CodeExpiresAt are set to "" on confirmation rather than removed: minidyn
	// v0.8.2 ignores REMOVE next to SET.
	Code          string `dynamodbav:"code"`
	CodeExpiresAt string `dynamodbav:"codeExpiresAt"`
	CreatedAt     string `dynamodbav:"createdAt"`
	UpdatedAt     string `dynamodbav:"updatedAt"`
	// Disabled is absent (false) until deleteUser disables the account.
	Disabled bool `dynamodbav:"disabled,omitempty"`
}

// accountGroupItem is one group membership of an account. (A string set on the account
// would do in DynamoDB, but minidyn v0.8.2 corrupts a set, or a map, when its last
// element is removed; one item per membership works everywhere.)
type accountGroupItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Type    string `dynamodbav:"_type"`
	Sub     string `dynamodbav:"sub"`
	Group   string `dynamodbav:"group"`
	AddedAt string `dynamodbav:"addedAt"`
}

// accountEmailItem reserves an email for one sub.
type accountEmailItem struct {
	PK    string `dynamodbav:"PK"`
	SK    string `dynamodbav:"SK"`
	Type  string `dynamodbav:"_type"`
	Email string `dynamodbav:"email"`
	Sub   string `dynamodbav:"sub"`
}

// refreshTokenItem is an issued refresh token, keyed by its hash. ExpiresAt is the
// table's TTL attribute, so DynamoDB deletes expired tokens by itself.
type refreshTokenItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"_type"`
	Sub       string `dynamodbav:"sub"`
	AuthTime  string `dynamodbav:"authTime"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

// Attribute names used in account expressions; they must match the tags above.
const (
	attrConfirmed     = "confirmed"
	attrCode          = "code"
	attrCodeExpiresAt = "codeExpiresAt"
	attrUpdatedAt     = "updatedAt"
	attrDisabled      = "disabled"
)

func accountKey(sub string) item { return primaryKey(accountKeys.PK(sub), accountKeys.SK) }

func accountGroupKey(sub, group string) item {
	return primaryKey(accountKeys.PK(sub), accountKeys.GroupSK(group))
}

func newAccountGroupItem(sub, group string, now time.Time) accountGroupItem {
	return accountGroupItem{
		PK: accountKeys.PK(sub), SK: accountKeys.GroupSK(group), Type: entityAccountGroup,
		Sub: sub, Group: group, AddedAt: formatTime(now),
	}
}

func accountEmailKey(email string) item {
	return primaryKey(accountKeys.EmailPK(email), accountKeys.EmailSK)
}

func refreshTokenKey(hash string) item {
	return primaryKey(accountKeys.RefreshPK(hash), accountKeys.RefreshSK)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

func newAccountItem(u *localidp.User) accountItem {
	return accountItem{
		PK: accountKeys.PK(u.Sub), SK: accountKeys.SK, Type: entityAccount,
		Sub: u.Sub, Email: u.Email, Name: u.Name, PasswordHash: u.PasswordHash, Confirmed: u.Confirmed, Disabled: u.Disabled,
		Code: u.Code, CodeExpiresAt: formatTime(u.CodeExpiresAt),
		CreatedAt: formatTime(u.CreatedAt), UpdatedAt: formatTime(u.UpdatedAt),
	}
}

// decodeAccount decodes the items of an account's partition: the account and its
// memberships. ok is false when the account item is not among them.
func decodeAccount(items []item) (u *localidp.User, ok bool, err error) {
	var (
		it     accountItem
		groups []string
	)
	for _, raw := range items {
		switch sk := stringAttr(raw[AttrSK]); {
		case sk == accountKeys.SK:
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, false, storeError("decode account", err)
			}
			ok = true
		case strings.HasPrefix(sk, accountGroupPrefix):
			groups = append(groups, strings.TrimPrefix(sk, accountGroupPrefix))
		}
	}
	if !ok {
		return nil, false, nil
	}
	u, err = it.user(groups)
	return u, err == nil, err
}

func (it accountItem) user(groups []string) (*localidp.User, error) {
	u := &localidp.User{
		Sub: it.Sub, Email: it.Email, Name: it.Name, PasswordHash: it.PasswordHash,
		Confirmed: it.Confirmed, Code: it.Code, Groups: groups, Disabled: it.Disabled,
	}
	var err error
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&u.CodeExpiresAt, it.CodeExpiresAt}, {&u.CreatedAt, it.CreatedAt}, {&u.UpdatedAt, it.UpdatedAt}} {
		if *f.dst, err = parseTime(f.src); err != nil {
			return nil, storeError("decode account", fmt.Errorf("account %s: %w", it.Sub, err))
		}
	}
	return u, nil
}

func unixTime(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
