package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// WaitlistRepository is waitlist.Repository on the single table (key formats in keys.go,
// waitlistKeys). Every change of an entry is one transaction that is conditional on the
// entry's version and on its waitlist existing, and that keeps the entry's place in line,
// its customer guard and its due marker in step with it. Its methods live in one file per
// access pattern (waitlist_create.go, waitlist_entry_save.go, waitlist_due.go, …).
type WaitlistRepository struct{ s *Store }

var _ waitlist.Repository = (*WaitlistRepository)(nil)

// Waitlists returns the waitlist repository.
func (s *Store) Waitlists() *WaitlistRepository { return &WaitlistRepository{s: s} }

// waitlistItem is a waitlist as stored. Seq is the counter NextSeq increments; it is not
// part of the waitlist's version, so joins never conflict with an owner's edit.
type waitlistItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	GSI1PK string `dynamodbav:"GSI1PK"`
	GSI1SK string `dynamodbav:"GSI1SK"`
	GSI2PK string `dynamodbav:"GSI2PK"`
	GSI2SK string `dynamodbav:"GSI2SK"`
	Type   string `dynamodbav:"_type"`

	ID          string `dynamodbav:"id"`
	Owner       string `dynamodbav:"owner"`
	Name        string `dynamodbav:"name"`
	Description string `dynamodbav:"description"`
	IsOpen      bool   `dynamodbav:"isOpen"`
	Seq         int64  `dynamodbav:"seq"`
	CreatedAt   string `dynamodbav:"createdAt"`
	UpdatedAt   string `dynamodbav:"updatedAt"`
	Version     int64  `dynamodbav:"version"`
}

// entryItem is a waitlist entry as stored. Optional times are "" when unset (never
// REMOVEd: minidyn v0.8.2 ignores REMOVE next to SET). ExpiresAtMs is what conditions
// compare; TTL (epoch seconds, the table's TTL attribute) lets DynamoDB delete the item.
type entryItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	GSI1PK string `dynamodbav:"GSI1PK"`
	GSI1SK string `dynamodbav:"GSI1SK"`
	GSI2PK string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK string `dynamodbav:"GSI2SK,omitempty"`
	Type   string `dynamodbav:"_type"`

	ID            string `dynamodbav:"id"`
	WaitlistID    string `dynamodbav:"waitlistId"`
	WaitlistOwner string `dynamodbav:"waitlistOwner"`
	Customer      string `dynamodbav:"customer"`
	Name          string `dynamodbav:"name"`
	Phone         string `dynamodbav:"phone"`
	PartySize     int    `dynamodbav:"partySize"`
	Notes         string `dynamodbav:"notes"`
	Status        string `dynamodbav:"status"`
	Seq           int64  `dynamodbav:"seq"`
	NotifyAt      string `dynamodbav:"notifyAt"`
	NotifiedAt    string `dynamodbav:"notifiedAt"`
	SeatedAt      string `dynamodbav:"seatedAt"`
	DueAt         string `dynamodbav:"dueAt"`
	Claim         string `dynamodbav:"claim"`
	CreatedAt     string `dynamodbav:"createdAt"`
	UpdatedAt     string `dynamodbav:"updatedAt"`
	ExpiresAtTime string `dynamodbav:"expiresAtTime"`
	ExpiresAtMs   int64  `dynamodbav:"expiresAtMs"`
	TTL           int64  `dynamodbav:"expiresAt"`
	Version       int64  `dynamodbav:"version"`
}

// placeItem holds an entry's place in line; guardItem a customer's entry in line;
// dueItem an entry due for the producer. All three expire with their entry.
type placeItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Type        string `dynamodbav:"_type"`
	EntryID     string `dynamodbav:"entryId"`
	ExpiresAtMs int64  `dynamodbav:"expiresAtMs"`
	TTL         int64  `dynamodbav:"expiresAt"`
}

// Attribute names used in waitlist expressions; they must match the tags above.
const (
	attrWaitlistSeq    = "seq"
	attrWaitlistOpen   = "isOpen"
	attrEntryExpiresMs = "expiresAtMs"
	attrEntryID        = "entryId"
)

func waitlistKey(id string) item { return primaryKey(waitlistKeys.PK(id), waitlistKeys.SK) }

func entryKey(id string) item { return primaryKey(waitlistKeys.EntryPK(id), waitlistKeys.EntrySK) }

func placeKey(e *waitlist.Entry) item {
	return primaryKey(waitlistKeys.PK(e.WaitlistID), waitlistKeys.PlaceSK(e.Seq))
}

func guardKey(waitlistID, customer string) item {
	return primaryKey(waitlistKeys.PK(waitlistID), waitlistKeys.GuardSK(customer))
}

func dueKey(entryID string, at time.Time) item {
	return primaryKey(waitlistKeys.DuePK(waitlistKeys.DueShard(entryID)), waitlistKeys.DueSK(at, entryID))
}

func newWaitlistItem(w *waitlist.Waitlist, seq int64) waitlistItem {
	return waitlistItem{
		PK: waitlistKeys.PK(w.ID), SK: waitlistKeys.SK,
		GSI1PK: waitlistKeys.GSI1PK(w.Owner), GSI1SK: waitlistKeys.GSI1SK(w.Name, w.ID),
		GSI2PK: waitlistKeys.GSI2PK, GSI2SK: waitlistKeys.GSI2SK(w.IsOpen, w.Name, w.ID),
		Type: entityWaitlist,
		ID:   w.ID, Owner: w.Owner, Name: w.Name, Description: w.Description, IsOpen: w.IsOpen, Seq: seq,
		CreatedAt: formatTime(w.CreatedAt), UpdatedAt: formatTime(w.UpdatedAt), Version: w.Version,
	}
}

func decodeWaitlist(raw item) (*waitlist.Waitlist, error) {
	var it waitlistItem
	if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
		return nil, storeError("decode waitlist", err)
	}
	w := &waitlist.Waitlist{
		ID: it.ID, Owner: it.Owner, Name: it.Name, Description: it.Description, IsOpen: it.IsOpen, Version: it.Version,
	}
	var err error
	if w.CreatedAt, err = parseTime(it.CreatedAt); err == nil {
		w.UpdatedAt, err = parseTime(it.UpdatedAt)
	}
	if err != nil {
		return nil, storeError("decode waitlist", fmt.Errorf("waitlist %s: %w", it.ID, err))
	}
	return w, nil
}

func newEntryItem(e *waitlist.Entry) entryItem {
	it := entryItem{
		PK: waitlistKeys.EntryPK(e.ID), SK: waitlistKeys.EntrySK,
		GSI1PK: waitlistKeys.EntryGSI1PK(e.WaitlistID), GSI1SK: waitlistKeys.EntryGSI1SK(e.Seq),
		Type: entityWaitlistEntry,
		ID:   e.ID, WaitlistID: e.WaitlistID, WaitlistOwner: e.WaitlistOwner, Customer: e.Customer,
		Name: e.Name, Phone: e.Phone, PartySize: e.PartySize, Notes: e.Notes, Status: string(e.Status), Seq: e.Seq,
		NotifyAt: formatTime(e.NotifyAt), NotifiedAt: formatTime(e.NotifiedAt), SeatedAt: formatTime(e.SeatedAt),
		DueAt: formatTime(e.DueAt), Claim: e.Claim,
		CreatedAt: formatTime(e.CreatedAt), UpdatedAt: formatTime(e.UpdatedAt), ExpiresAtTime: formatTime(e.ExpiresAt),
		ExpiresAtMs: e.ExpiresAt.UnixMilli(), TTL: ttlOf(e.ExpiresAt), Version: e.Version,
	}
	if e.Customer != "" {
		it.GSI2PK, it.GSI2SK = waitlistKeys.EntryGSI2PK(e.Customer), waitlistKeys.EntryGSI2SK(e.ID)
	}
	return it
}

// ttlOf is the TTL of an item that must outlive t: the second after it.
func ttlOf(t time.Time) int64 { return t.Unix() + 1 }

func decodeEntry(raw item) (*waitlist.Entry, error) {
	var it entryItem
	if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
		return nil, storeError("decode waitlist entry", err)
	}
	e := &waitlist.Entry{
		ID: it.ID, WaitlistID: it.WaitlistID, WaitlistOwner: it.WaitlistOwner, Customer: it.Customer,
		Name: it.Name, Phone: it.Phone, PartySize: it.PartySize, Notes: it.Notes, Status: waitlist.Status(it.Status),
		Seq: it.Seq, Claim: it.Claim, Version: it.Version,
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
		src  string
	}{
		{"notifyAt", &e.NotifyAt, it.NotifyAt}, {"notifiedAt", &e.NotifiedAt, it.NotifiedAt},
		{"seatedAt", &e.SeatedAt, it.SeatedAt}, {"dueAt", &e.DueAt, it.DueAt},
		{"createdAt", &e.CreatedAt, it.CreatedAt}, {"updatedAt", &e.UpdatedAt, it.UpdatedAt},
		{"expiresAtTime", &e.ExpiresAt, it.ExpiresAtTime},
	} {
		var err error
		if *f.dst, err = parseTime(f.src); err != nil {
			return nil, storeError("decode waitlist entry", fmt.Errorf("entry %s: %s: %w", it.ID, f.name, err))
		}
	}
	return e, nil
}

// helperPut is a Put of a place, guard or due item of e.
func (r *WaitlistRepository) helperPut(key item, typ string, e *waitlist.Entry) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(placeItem{
		PK: stringAttr(key[AttrPK]), SK: stringAttr(key[AttrSK]), Type: typ,
		EntryID: e.ID, ExpiresAtMs: e.ExpiresAt.UnixMilli(), TTL: ttlOf(e.ExpiresAt),
	})
	if err != nil {
		return types.TransactWriteItem{}, storeError("encode waitlist helper item", err)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.s.table), Item: av}}, nil
}

func (r *WaitlistRepository) helperDelete(key item) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(r.s.table), Key: key}}
}

// waitlistExists is the ConditionCheck every entry write carries: the waitlist item
// exists (and is open, when open is set).
func (r *WaitlistRepository) waitlistExists(id string, open bool) types.TransactWriteItem {
	cc := &types.ConditionCheck{
		TableName:                aws.String(r.s.table),
		Key:                      waitlistKey(id),
		ConditionExpression:      aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	}
	if open {
		cc.ConditionExpression = aws.String("attribute_exists(#pk) AND #open = :true")
		cc.ExpressionAttributeNames["#open"] = attrWaitlistOpen
		cc.ExpressionAttributeValues = map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}}
	}
	return types.TransactWriteItem{ConditionCheck: cc}
}

// GetWaitlist reads a waitlist, strongly consistent.
func (r *WaitlistRepository) GetWaitlist(ctx context.Context, id string) (*waitlist.Waitlist, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(r.s.table), Key: waitlistKey(id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, storeError("GetItem waitlist", err)
	}
	if len(out.Item) == 0 {
		return nil, apperr.New(apperr.NotFound, "waitlist %s not found", id)
	}
	return decodeWaitlist(out.Item)
}

// GetWaitlists reads waitlists by id with BatchGetItem, strongly consistent. Missing ids
// are absent from the map.
func (r *WaitlistRepository) GetWaitlists(ctx context.Context, ids []string) (map[string]*waitlist.Waitlist, error) {
	return getMany(ctx, r.s, ids, waitlistKey, decodeWaitlist, func(w *waitlist.Waitlist) string { return w.ID })
}

// GetEntry reads an entry, strongly consistent.
func (r *WaitlistRepository) GetEntry(ctx context.Context, id string) (*waitlist.Entry, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(r.s.table), Key: entryKey(id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, storeError("GetItem waitlist entry", err)
	}
	if len(out.Item) == 0 {
		return nil, apperr.New(apperr.NotFound, "waitlist entry %s not found", id)
	}
	return decodeEntry(out.Item)
}
