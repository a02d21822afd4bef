package dynamo

import (
	"context"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/waitlist"
)

// ListWaitlists is listWaitlists, ordered by name: an owner's through GSI1 (one Query,
// projection ALL), all or the open ones by name prefix through GSI2 (keys only, then a
// BatchGet), the prefix being a begins_with on OPEN#<lower-cased prefix>. Every item is
// checked against the query too (a name may hold '#').
func (r *WaitlistRepository) ListWaitlists(ctx context.Context, q waitlist.WaitlistQuery) (waitlist.WaitlistPage, error) {
	scope := strings.Join([]string{"waitlists", q.Owner, strconv.FormatBool(q.OpenOnly), q.NamePrefix}, "\x00")
	in := &dynamodb.QueryInput{TableName: aws.String(r.s.table)}
	keyAttrs, resolve := gsi2KeyAttrs, r.s.resolveKeys
	prefix := strings.ToLower(q.NamePrefix)
	switch {
	case q.Owner != "":
		in.IndexName = aws.String(IndexGSI1)
		in.KeyConditionExpression = aws.String("#pk = :pk")
		in.ExpressionAttributeNames = map[string]string{"#pk": AttrGSI1PK}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": stringValue(waitlistKeys.GSI1PK(q.Owner))}
		keyAttrs, resolve = gsi1KeyAttrs, nil
	case q.OpenOnly:
		in.IndexName = aws.String(IndexGSI2)
		in.KeyConditionExpression = aws.String("#pk = :pk AND begins_with(#sk, :sk)")
		in.ExpressionAttributeNames = map[string]string{"#pk": AttrGSI2PK, "#sk": AttrGSI2SK}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{
			":pk": stringValue(waitlistKeys.GSI2PK), ":sk": stringValue(waitlistOpen + prefix),
		}
	default:
		in.IndexName = aws.String(IndexGSI2)
		in.KeyConditionExpression = aws.String("#pk = :pk")
		in.ExpressionAttributeNames = map[string]string{"#pk": AttrGSI2PK}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": stringValue(waitlistKeys.GSI2PK)}
	}
	if q.NextToken != "" {
		var err error
		if in.ExclusiveStartKey, err = r.s.tokens.Open(q.NextToken, scope); err != nil {
			return waitlist.WaitlistPage{}, err
		}
	}
	var out []*waitlist.Waitlist
	p, err := r.s.queryPage(ctx, in, q.Limit, q.OpenOnly, keyAttrs, resolve, func(it item) (bool, error) {
		w, err := decodeWaitlist(it)
		if err != nil {
			return false, err
		}
		if (q.Owner != "" && w.Owner != q.Owner) || (q.OpenOnly && (!w.IsOpen || !strings.HasPrefix(strings.ToLower(w.Name), prefix))) {
			return false, nil
		}
		out = append(out, w)
		return true, nil
	})
	if err != nil {
		return waitlist.WaitlistPage{}, err
	}
	next, err := r.s.sealNext(p.next, scope)
	if err != nil {
		return waitlist.WaitlistPage{}, storeError("seal nextToken", err)
	}
	return waitlist.WaitlistPage{Items: out, NextToken: next}, nil
}

// Entries is Waitlist.entries: one Query on GSI1 (WAITLIST_ENTRIES#<id>, arrival order),
// filtered by status in pages when one is asked.
func (r *WaitlistRepository) Entries(ctx context.Context, q waitlist.EntryQuery) (waitlist.EntryPage, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(r.s.table),
		IndexName:                 aws.String(IndexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrGSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": stringValue(waitlistKeys.EntryGSI1PK(q.WaitlistID))},
	}
	scope := "waitlist.entries\x00" + q.WaitlistID + "\x00" + string(q.Status)
	return r.entryPage(ctx, in, q.Limit, q.NextToken, scope, q.Status != "", gsi1KeyAttrs, nil, func(e *waitlist.Entry) bool {
		return e.WaitlistID == q.WaitlistID && (q.Status == "" || e.Status == q.Status)
	})
}

// CustomerEntries is myWaitlistEntries: one Query on GSI2 (WAITLIST_CUSTOMER#<sub>, newest
// id first; keys only) and a BatchGet of the entries.
func (r *WaitlistRepository) CustomerEntries(ctx context.Context, customer string, limit int, nextToken string) (waitlist.EntryPage, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(r.s.table),
		IndexName:                 aws.String(IndexGSI2),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrGSI2PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": stringValue(waitlistKeys.EntryGSI2PK(customer))},
		ScanIndexForward:          aws.Bool(false),
	}
	return r.entryPage(ctx, in, limit, nextToken, "waitlist.customerEntries\x00"+customer, false, gsi2KeyAttrs, r.s.resolveKeys,
		func(e *waitlist.Entry) bool { return e.Customer == customer })
}

func (r *WaitlistRepository) entryPage(ctx context.Context, in *dynamodb.QueryInput, limit int, nextToken, scope string, filtered bool,
	keyAttrs []string, resolve func(context.Context, []item) ([]item, error), match func(*waitlist.Entry) bool,
) (waitlist.EntryPage, error) {
	if nextToken != "" {
		var err error
		if in.ExclusiveStartKey, err = r.s.tokens.Open(nextToken, scope); err != nil {
			return waitlist.EntryPage{}, err
		}
	}
	var out []*waitlist.Entry
	p, err := r.s.queryPage(ctx, in, limit, filtered, keyAttrs, resolve, func(it item) (bool, error) {
		e, err := decodeEntry(it)
		if err != nil {
			return false, err
		}
		if !match(e) {
			return false, nil
		}
		out = append(out, e)
		return true, nil
	})
	if err != nil {
		return waitlist.EntryPage{}, err
	}
	next, err := r.s.sealNext(p.next, scope)
	if err != nil {
		return waitlist.EntryPage{}, storeError("seal nextToken", err)
	}
	return waitlist.EntryPage{Items: out, NextToken: next}, nil
}
