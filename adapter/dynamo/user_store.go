package dynamo

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/internal/apperr"
)

// UserRepository is user.Repository on the single table.
type UserRepository struct{ s *Store }

var _ user.Repository = (*UserRepository)(nil)

// Users returns the profile repository.
func (s *Store) Users() *UserRepository { return &UserRepository{s: s} }

type userItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	GSI2PK   string `dynamodbav:"GSI2PK"`
	GSI2SK   string `dynamodbav:"GSI2SK"`
	Type     string `dynamodbav:"_type"`
	ID       string `dynamodbav:"id"`
	Email    string `dynamodbav:"email"`
	Username string `dynamodbav:"username"`
	Name     string `dynamodbav:"name"`
	Address  string `dynamodbav:"address"`
	Phone    string `dynamodbav:"phone"`
	Created  string `dynamodbav:"createdAt"`
	Updated  string `dynamodbav:"updatedAt"`
	Version  int64  `dynamodbav:"version"`
}

type userGuardItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Type string `dynamodbav:"_type"`
	Sub  string `dynamodbav:"sub"`
}

// userTombstoneItem replaces a deleted profile at its key: it keeps nothing personal, has
// no GSI2 keys (listUsers skips it), and its existence fails every conditional create.
type userTombstoneItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Type    string `dynamodbav:"_type"`
	ID      string `dynamodbav:"id"`
	Deleted string `dynamodbav:"deletedAt"`
	Version int64  `dynamodbav:"version"`
}

func userKey(sub string) item { return primaryKey(userKeys.PK(sub), userKeys.SK) }

func isUserTombstone(raw item) bool { return stringAttr(raw[AttrType]) == entityUserDeleted }

// userItemFrom is attributevalue.UnmarshalMap(raw, &userItem{}) without reflection
// (itemReader); item_reader_test.go fails when a field of userItem is not read here.
func userItemFrom(raw item) (userItem, error) {
	r := itemReader{raw: raw}
	it := userItem{
		PK: r.str(AttrPK), SK: r.str(AttrSK), GSI2PK: r.str(AttrGSI2PK), GSI2SK: r.str(AttrGSI2SK),
		Type:     r.str(AttrType),
		ID:       r.str("id"),
		Email:    r.str("email"),
		Username: r.str("username"),
		Name:     r.str("name"),
		Address:  r.str("address"),
		Phone:    r.str("phone"),
		Created:  r.str("createdAt"),
		Updated:  r.str(attrUpdatedAt),
		Version:  r.int64(attrVersion, 64),
	}
	return it, r.err
}

func decodeUser(raw item) (*user.User, error) {
	it, err := userItemFrom(raw)
	if err != nil {
		return nil, storeError("decode user", err)
	}
	created, err := parseTime(it.Created)
	if err != nil {
		return nil, storeError("decode user", err)
	}
	updated, err := parseTime(it.Updated)
	if err != nil {
		return nil, storeError("decode user", err)
	}
	return &user.User{
		ID: it.ID, Email: it.Email, Username: it.Username, Name: it.Name, Address: it.Address, Phone: it.Phone,
		CreatedAt: created, UpdatedAt: updated, Version: it.Version,
	}, nil
}

// userPut writes u, conditional on prevVersion (0: on not existing).
func (r *UserRepository) userPut(u *user.User, prevVersion int64) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(userItem{
		PK: userKeys.PK(u.ID), SK: userKeys.SK, GSI2PK: userKeys.GSI2PK, GSI2SK: u.ID, Type: entityUser,
		ID: u.ID, Email: u.Email, Username: u.Username, Name: u.Name, Address: u.Address, Phone: u.Phone,
		Created: formatTime(u.CreatedAt), Updated: formatTime(u.UpdatedAt), Version: u.Version,
	})
	if err != nil {
		return types.TransactWriteItem{}, storeError("encode user", err)
	}
	put := &types.Put{TableName: aws.String(r.s.table), Item: av}
	if prevVersion == 0 {
		put.ConditionExpression = aws.String("attribute_not_exists(#pk)")
		put.ExpressionAttributeNames = map[string]string{"#pk": AttrPK}
	} else {
		put.ConditionExpression = aws.String("#v = :v")
		put.ExpressionAttributeNames = map[string]string{"#v": attrVersion}
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": intValue(prevVersion)}
	}
	return types.TransactWriteItem{Put: put}, nil
}

// guardPut claims a guard for sub (condition: free).
func (r *UserRepository) guardPut(pk, sk, entity, sub string) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(userGuardItem{PK: pk, SK: sk, Type: entity, Sub: sub})
	if err != nil {
		return types.TransactWriteItem{}, storeError("encode user guard", err)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(r.s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	}}, nil
}

// guardDelete frees a guard, only if sub holds it.
func (r *UserRepository) guardDelete(pk, sk, sub string) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{
		TableName: aws.String(r.s.table), Key: primaryKey(pk, sk),
		ConditionExpression:       aws.String("#sub = :sub"),
		ExpressionAttributeNames:  map[string]string{"#sub": "sub"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":sub": stringValue(sub)},
	}}
}

// Create puts the profile, its email guard and its username guard (each when set) in one
// transaction, the profile first.
func (r *UserRepository) Create(ctx context.Context, u *user.User) error {
	put, err := r.userPut(u, 0)
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{put}
	emailGuard, nameGuard := -1, -1
	if u.Email != "" {
		email, err := r.guardPut(userKeys.EmailPK(u.Email), userKeys.EmailSK, entityUserEmail, u.ID)
		if err != nil {
			return err
		}
		emailGuard = len(items)
		items = append(items, email)
	}
	if u.Username != "" {
		name, err := r.guardPut(userKeys.NamePK(user.UsernameKey(u.Username)), userKeys.NameSK, entityUserUsername, u.ID)
		if err != nil {
			return err
		}
		nameGuard = len(items)
		items = append(items, name)
	}
	failed, err := r.s.transactRetrying(ctx, "TransactWriteItems user create", items, bookingRetry)
	switch {
	case err != nil:
		return err
	case len(failed) == 0:
		return nil
	case slices.Contains(failed, 0):
		return user.ErrExists
	case emailGuard >= 0 && slices.Contains(failed, emailGuard):
		return apperr.New(apperr.Conflict, "email %s is already used by another user", u.Email)
	case nameGuard >= 0 && slices.Contains(failed, nameGuard):
		return apperr.New(apperr.Conflict, "username %s is taken", u.Username)
	}
	return apperr.Errorf("user %s: create failed (items %v)", u.ID, failed)
}

// Get reads one profile (strongly consistent).
func (r *UserRepository) Get(ctx context.Context, id string) (*user.User, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(r.s.table), Key: userKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, storeError("GetItem user", err)
	}
	if len(out.Item) == 0 {
		return nil, apperr.New(apperr.NotFound, "user %s not found", id)
	}
	if isUserTombstone(out.Item) {
		return nil, user.ErrDeleted
	}
	return decodeUser(out.Item)
}

// GetMany reads profiles with BatchGetItem (the UserByID loader).
func (r *UserRepository) GetMany(ctx context.Context, ids []string) (map[string]*user.User, error) {
	return getMany(ctx, r.s, ids, userKey, func(it item) (*user.User, error) {
		if isUserTombstone(it) {
			return nil, nil // a deleted user's profile is absent
		}
		return decodeUser(it)
	}, func(u *user.User) string { return u.ID })
}

// Update writes next over prev (conditional on prev.Version) and moves the username guard
// in the same transaction when the username changed. Items: [0] profile, then [1] new
// username guard (when set) and the old one's delete (when there was one).
func (r *UserRepository) Update(ctx context.Context, prev, next *user.User) error {
	put, err := r.userPut(next, prev.Version)
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{put}
	newGuard := -1
	if user.UsernameKey(next.Username) != user.UsernameKey(prev.Username) {
		if next.Username != "" {
			g, err := r.guardPut(userKeys.NamePK(user.UsernameKey(next.Username)), userKeys.NameSK, entityUserUsername, prev.ID)
			if err != nil {
				return err
			}
			newGuard = len(items)
			items = append(items, g)
		}
		if prev.Username != "" {
			items = append(items, r.guardDelete(userKeys.NamePK(user.UsernameKey(prev.Username)), userKeys.NameSK, prev.ID))
		}
	}
	failed, err := r.s.transactRetrying(ctx, "TransactWriteItems user update", items, bookingRetry)
	switch {
	case err != nil:
		return err
	case len(failed) == 0:
		return nil
	case slices.Contains(failed, 0):
		return apperr.New(apperr.Conflict, "user %s was changed concurrently", prev.ID)
	case newGuard >= 0 && slices.Contains(failed, newGuard):
		return apperr.New(apperr.Conflict, "username %s is taken", next.Username)
	}
	return apperr.Errorf("user %s: guard out of step (failed items %v)", prev.ID, failed)
}

// Delete puts the tombstone over the profile (conditional on its version, or on there
// being none for Version 0) and deletes every guard it holds, in one transaction.
func (r *UserRepository) Delete(ctx context.Context, prev *user.User) error {
	av, err := attributevalue.MarshalMap(userTombstoneItem{
		PK: userKeys.PK(prev.ID), SK: userKeys.SK, Type: entityUserDeleted, ID: prev.ID,
		Deleted: formatTime(time.Now()), Version: prev.Version + 1,
	})
	if err != nil {
		return storeError("encode user tombstone", err)
	}
	put := &types.Put{TableName: aws.String(r.s.table), Item: av}
	if prev.Version == 0 {
		put.ConditionExpression = aws.String("attribute_not_exists(#pk)")
		put.ExpressionAttributeNames = map[string]string{"#pk": AttrPK}
	} else {
		put.ConditionExpression = aws.String("#v = :v AND #t = :t")
		put.ExpressionAttributeNames = map[string]string{"#v": attrVersion, "#t": AttrType}
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": intValue(prev.Version), ":t": stringValue(entityUser)}
	}
	items := []types.TransactWriteItem{{Put: put}}
	if prev.Email != "" {
		items = append(items, r.guardDelete(userKeys.EmailPK(prev.Email), userKeys.EmailSK, prev.ID))
	}
	if prev.Username != "" {
		items = append(items, r.guardDelete(userKeys.NamePK(user.UsernameKey(prev.Username)), userKeys.NameSK, prev.ID))
	}
	failed, err := r.s.transactRetrying(ctx, "TransactWriteItems user delete", items, bookingRetry)
	switch {
	case err != nil:
		return err
	case len(failed) == 0:
		return nil
	case slices.Contains(failed, 0):
		if _, gerr := r.Get(ctx, prev.ID); apperr.Is(gerr, apperr.NotFound) {
			return gerr
		}
		return apperr.New(apperr.Conflict, "user %s was changed concurrently", prev.ID)
	}
	return apperr.Errorf("user %s: guard out of step (failed items %v)", prev.ID, failed)
}

// List pages through the profiles in id order: a Query on GSI2 (keys only), BatchGet,
// then the filter.
func (r *UserRepository) List(ctx context.Context, f *user.Filter, limit int, nextToken string) (user.Page, error) {
	scope, err := scopeOf("users.list", f)
	if err != nil {
		return user.Page{}, err
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(r.s.table), IndexName: aws.String(IndexGSI2),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrGSI2PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": stringValue(userKeys.GSI2PK)},
	}
	if nextToken != "" {
		if in.ExclusiveStartKey, err = r.s.tokens.Open(nextToken, scope); err != nil {
			return user.Page{}, err
		}
	}
	var out []*user.User
	p, err := r.s.queryPage(ctx, in, limit, f != nil, gsi2KeyAttrs, r.s.resolveKeys, func(it item) (bool, error) {
		u, err := decodeUser(it)
		if err != nil {
			return false, err
		}
		if !f.Match(u) {
			return false, nil
		}
		out = append(out, u)
		return true, nil
	})
	if err != nil {
		return user.Page{}, err
	}
	next, err := r.s.sealNext(p.next, scope)
	if err != nil {
		return user.Page{}, storeError("seal nextToken", err)
	}
	return user.Page{Items: out, NextToken: next}, nil
}
