// Package usertest is the contract every user.Repository must pass.
package usertest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

func ptr[T any](v T) *T { return &v }

// Make returns a valid profile.
func Make(id, email, username string) *user.User {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	return &user.User{ID: id, Email: email, Username: username, Name: "Name " + id, CreatedAt: now, UpdatedAt: now, Version: 1}
}

func next(u *user.User, f func(*user.User)) *user.User {
	n := *u
	f(&n)
	n.Version++
	return &n
}

// RunRepositoryContract runs the contract against fresh, empty repositories.
func RunRepositoryContract(t *testing.T, newRepo func(t *testing.T) user.Repository) {
	ctx := context.Background()

	t.Run("CreateGetAndUniqueness", func(t *testing.T) {
		r := newRepo(t)
		u := Make("s1", "ada@example.com", "Ada")
		require.NoError(t, r.Create(ctx, u))
		got, err := r.Get(ctx, "s1")
		require.NoError(t, err)
		require.Equal(t, u, got)
		err = r.Create(ctx, Make("s1", "other@example.com", ""))
		require.True(t, errors.Is(err, user.ErrExists), "%v", err)
		err = r.Create(ctx, Make("s2", "ada@example.com", ""))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		require.False(t, errors.Is(err, user.ErrExists))
		err = r.Create(ctx, Make("s3", "bob@example.com", "aDA"))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "usernames are unique regardless of case")
		_, err = r.Get(ctx, "s3")
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "a refused create writes nothing")
		require.NoError(t, r.Create(ctx, Make("s3", "bob@example.com", "")), "nor claims the email")
		got3, err := r.GetMany(ctx, []string{"s1", "s3", "nope"})
		require.NoError(t, err)
		require.Len(t, got3, 2)
	})

	t.Run("ConcurrentClaimsOneWinner", func(t *testing.T) {
		r := newRepo(t)
		run := func(mk func(i int) *user.User) (wins int) {
			var (
				mu sync.Mutex
				wg sync.WaitGroup
			)
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := r.Create(ctx, mk(i))
					mu.Lock()
					defer mu.Unlock()
					if err == nil {
						wins++
					} else if apperr.CodeOf(err) != apperr.Conflict {
						t.Errorf("claim %d: %v", i, err)
					}
				}()
			}
			wg.Wait()
			return wins
		}
		require.Equal(t, 1, run(func(i int) *user.User { return Make(fmt.Sprintf("e%d", i), "same@example.com", "") }))
		require.Equal(t, 1, run(func(i int) *user.User {
			return Make(fmt.Sprintf("n%d", i), fmt.Sprintf("n%d@example.com", i), fmt.Sprintf("Hot%c", 'a'+i%2*('A'-'a')))
		}))
	})

	t.Run("UsernameMovesAndIsFreed", func(t *testing.T) {
		r := newRepo(t)
		a := Make("a", "a@example.com", "alpha")
		b := Make("b", "b@example.com", "")
		require.NoError(t, r.Create(ctx, a))
		require.NoError(t, r.Create(ctx, b))
		err := r.Update(ctx, b, next(b, func(u *user.User) { u.Username = "ALPHA" }))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		got, _ := r.Get(ctx, "b")
		require.Equal(t, "", got.Username)
		a2 := next(a, func(u *user.User) { u.Username = "omega"; u.Name = "A2" })
		require.NoError(t, r.Update(ctx, a, a2))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(r.Update(ctx, a, next(a, func(u *user.User) { u.Name = "stale" }))))
		b2 := next(b, func(u *user.User) { u.Username = "Alpha" })
		require.NoError(t, r.Update(ctx, b, b2), "a freed username can be taken again")
		// Only a case change keeps the guard.
		a3 := next(a2, func(u *user.User) { u.Username = "OMEGA" })
		require.NoError(t, r.Update(ctx, a2, a3))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(r.Create(ctx, Make("c", "c@example.com", "omega"))))
		// Dropping a username frees it.
		a4 := next(a3, func(u *user.User) { u.Username = "" })
		require.NoError(t, r.Update(ctx, a3, a4))
		require.NoError(t, r.Create(ctx, Make("c", "c@example.com", "omega")))
	})

	t.Run("DeleteFreesEverything", func(t *testing.T) {
		r := newRepo(t)
		u := Make("a", "a@example.com", "alpha")
		require.NoError(t, r.Create(ctx, u))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(r.Delete(ctx, next(u, func(*user.User) {}))), "stale version")
		require.NoError(t, r.Delete(ctx, u))
		_, err := r.Get(ctx, "a")
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
		require.NoError(t, r.Create(ctx, Make("b", "a@example.com", "Alpha")), "email and username are free again")

		// The tombstone: the id stays deleted, is not listed or batch-read, cannot be recreated.
		_, err = r.Get(ctx, "a")
		require.ErrorIs(t, err, user.ErrDeleted)
		require.ErrorIs(t, r.Create(ctx, Make("a", "a2@example.com", "")), user.ErrExists)
		require.Error(t, r.Delete(ctx, u), "deleting twice")
		many, err := r.GetMany(ctx, []string{"a", "b"})
		require.NoError(t, err)
		require.Len(t, many, 1)
		require.Contains(t, many, "b")
		p, err := r.List(ctx, nil, 10, "")
		require.NoError(t, err)
		require.Len(t, p.Items, 1)
		require.Equal(t, "b", p.Items[0].ID)

		// A user who never had a profile can be deleted too (Version 0); Get tells it apart
		// from a user who has none yet.
		_, err = r.Get(ctx, "never")
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
		require.NotErrorIs(t, err, user.ErrDeleted)
		require.NoError(t, r.Delete(ctx, &user.User{ID: "never"}))
		_, err = r.Get(ctx, "never")
		require.ErrorIs(t, err, user.ErrDeleted)
		require.ErrorIs(t, r.Create(ctx, Make("never", "never@example.com", "")), user.ErrExists)
	})

	t.Run("ListPages", func(t *testing.T) {
		r := newRepo(t)
		for i := range 23 {
			require.NoError(t, r.Create(ctx, Make(fmt.Sprintf("u%02d", i), fmt.Sprintf("u%d@example.com", i), "")))
		}
		// listAll pages through a listing to its end, returning the ids in order.
		listAll := func(f *user.Filter, limit int) []string {
			var ids []string
			tok := ""
			for {
				p, err := r.List(ctx, f, limit, tok)
				require.NoError(t, err)
				for _, u := range p.Items {
					ids = append(ids, u.ID)
				}
				if p.NextToken == "" {
					return ids
				}
				tok = p.NextToken
			}
		}
		ids := listAll(nil, 5)
		require.Len(t, ids, 23)
		require.Equal(t, "u00", ids[0])

		// Filtered: u1x (10 of them) in pages of 3; a token of the unfiltered listing is refused.
		f := &user.Filter{ID: &filter.StringInput{BeginsWith: ptr("u1")}}
		require.Equal(t, []string{"u10", "u11", "u12", "u13", "u14", "u15", "u16", "u17", "u18", "u19"}, listAll(f, 3))
		first, err := r.List(ctx, nil, 5, "")
		require.NoError(t, err)
		_, err = r.List(ctx, f, 5, first.NextToken)
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "a token of another filter")
		_, err = r.List(ctx, nil, 5, "forged")
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
	})
}
