package dynamo_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/adapter/localidp"
	"github.com/skygraph/skygraph/internal/apperr"
)

type accountFixture struct {
	store *dynamo.AccountStore
	scan  func() []map[string]any
}

func newAccounts(t *testing.T, b dynamotest.Backend) accountFixture {
	t.Helper()
	c := dynamotest.Client(t, b)
	table := dynamotest.NewTable(t, c)
	return accountFixture{
		store: dynamo.NewStore(c, table, dynamotest.Tokenizer(t)).Accounts(),
		scan:  func() []map[string]any { return dynamotest.Items(t, c, table) },
	}
}

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func user(sub, email string, groups ...string) *localidp.User {
	return &localidp.User{
		Sub: sub, Email: email, Name: "N " + sub, PasswordHash: "$2a$04$hash", Code: "123456",
		CodeExpiresAt: t0.Add(24 * time.Hour), Groups: groups, CreatedAt: t0, UpdatedAt: t0,
	}
}

func keysOf(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%s|%s|%s", it["PK"], it["SK"], it["_type"]))
	}
	return out
}

// TestAccountStoreItems pins the stored layout: the account and its memberships in one
// partition, the email guard, and refresh tokens under their hash with the TTL attribute.
func TestAccountStoreItems(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newAccounts(t, b)
			require.NoError(t, f.store.CreateUser(ctx, user("s1", "a@example.com", "Admin")))
			exp := t0.Add(30 * 24 * time.Hour)
			require.NoError(t, f.store.PutRefreshToken(ctx, localidp.RefreshToken{Hash: "ab12", Sub: "s1", AuthTime: t0, ExpiresAt: exp}))
			items := f.scan()
			require.Equal(t, []string{
				"ACCOUNT#s1|ACCOUNT|Account",
				"ACCOUNT#s1|GROUP#Admin|AccountGroup",
				"ACCOUNT_EMAIL#a@example.com|ACCOUNT_EMAIL|AccountEmail",
				"REFRESH_TOKEN#ab12|REFRESH_TOKEN|RefreshToken",
			}, keysOf(items))
			require.Equal(t, "s1", items[2]["sub"], "the guard points at the account")
			require.InDelta(t, float64(exp.Unix()), items[3][dynamo.AttrTTL], 0, "refresh tokens expire through the table's TTL")

			got, err := f.store.UserByEmail(ctx, "a@example.com")
			require.NoError(t, err)
			want := user("s1", "a@example.com", "Admin")
			require.Equal(t, want, got)
			rt, err := f.store.RefreshToken(ctx, "ab12")
			require.NoError(t, err)
			require.Equal(t, &localidp.RefreshToken{Hash: "ab12", Sub: "s1", AuthTime: t0, ExpiresAt: exp}, rt)

			_, err = f.store.RefreshToken(ctx, "nope")
			require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
			_, err = f.store.UserByEmail(ctx, "nobody@example.com")
			require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
			_, err = f.store.UserBySub(ctx, "nobody")
			require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
		})
	}
}

// TestCreateUserIsAllOrNothing: a taken email or sub is a Conflict and writes nothing.
func TestCreateUserIsAllOrNothing(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newAccounts(t, b)
			require.NoError(t, f.store.CreateUser(ctx, user("s1", "a@example.com")))
			before := keysOf(f.scan())
			err := f.store.CreateUser(ctx, user("s2", "a@example.com", "Admin"))
			require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
			err = f.store.CreateUser(ctx, user("s1", "b@example.com"))
			require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
			require.Equal(t, before, keysOf(f.scan()), "a refused create writes nothing")
		})
	}
}

func TestConfirmUser(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newAccounts(t, b)
			require.NoError(t, f.store.CreateUser(ctx, user("s1", "a@example.com")))
			later := t0.Add(time.Minute)
			require.NoError(t, f.store.ConfirmUser(ctx, "s1", later))
			u, err := f.store.UserBySub(ctx, "s1")
			require.NoError(t, err)
			require.True(t, u.Confirmed)
			require.Empty(t, u.Code)
			require.True(t, u.CodeExpiresAt.IsZero())
			require.Equal(t, later, u.UpdatedAt)
			require.Equal(t, apperr.Conflict, apperr.CodeOf(f.store.ConfirmUser(ctx, "s1", later)))
			require.Equal(t, apperr.NotFound, apperr.CodeOf(f.store.ConfirmUser(ctx, "ghost", later)))
			require.Equal(t, []string{"ACCOUNT#s1|ACCOUNT|Account", "ACCOUNT_EMAIL#a@example.com|ACCOUNT_EMAIL|AccountEmail"},
				keysOf(f.scan()), "confirming a missing account creates nothing")
		})
	}
}

// TestGroupChanges: memberships are idempotent, concurrent changes of different groups are
// all kept, and a missing account gets no membership.
func TestGroupChanges(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newAccounts(t, b)
			require.NoError(t, f.store.CreateUser(ctx, user("s1", "a@example.com")))
			groups := []string{"G1", "G2", "G3", "G4", "G5", "G6"}
			var wg sync.WaitGroup
			errs := make([]error, len(groups))
			for i, g := range groups {
				wg.Go(func() { errs[i] = f.store.AddUserGroup(ctx, "s1", g, t0) })
			}
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
			}
			require.NoError(t, f.store.AddUserGroup(ctx, "s1", "G1", t0))
			u, err := f.store.UserBySub(ctx, "s1")
			require.NoError(t, err)
			require.ElementsMatch(t, groups, u.Groups)

			for _, g := range groups {
				require.NoError(t, f.store.RemoveUserGroup(ctx, "s1", g, t0))
			}
			require.NoError(t, f.store.RemoveUserGroup(ctx, "s1", "G1", t0), "removing a non-member is a no-op")
			u, err = f.store.UserBySub(ctx, "s1")
			require.NoError(t, err)
			require.Empty(t, u.Groups)
			require.Equal(t, "a@example.com", u.Email, "the account survives losing its last group")

			require.Equal(t, apperr.NotFound, apperr.CodeOf(f.store.AddUserGroup(ctx, "ghost", "G1", t0)))
			require.Equal(t, apperr.NotFound, apperr.CodeOf(f.store.RemoveUserGroup(ctx, "ghost", "G1", t0)))
			for _, k := range keysOf(f.scan()) {
				require.False(t, strings.HasPrefix(k, "ACCOUNT#ghost"), "no membership for a missing account: %s", k)
			}
		})
	}
}

// TestTransactionConflictsAreRetried: a sign-up that collides with a concurrent
// transaction (TransactionConflict, which real DynamoDB returns under contention and the
// local stand-ins never do) is retried, and reported as Conflict only if it persists.
func TestTransactionConflictsAreRetried(t *testing.T) {
	b := dynamotest.Backends(t)[0]
	ctx := context.Background()
	cnt := dynamotest.NewCounter(dynamotest.Client(t, b))
	store := dynamotest.NewStore(t, b, cnt).Accounts()
	collide := func(times int) {
		var mu sync.Mutex
		left := times
		cnt.Fail = func(op string) error {
			mu.Lock()
			defer mu.Unlock()
			if op != "TransactWriteItems" || left == 0 {
				return nil
			}
			left--
			return &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"),
				CancellationReasons: []types.CancellationReason{{Code: aws.String("TransactionConflict")}, {Code: aws.String("None")}}}
		}
	}
	collide(2)
	cnt.Reset()
	require.NoError(t, store.CreateUser(ctx, user("s1", "a@example.com")))
	require.Equal(t, 3, cnt.Count("TransactWriteItems"))

	collide(100)
	cnt.Reset()
	err := store.CreateUser(ctx, user("s2", "b@example.com"))
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
	require.Equal(t, 6, cnt.Count("TransactWriteItems"), "bounded retries")
}
