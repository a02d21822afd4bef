package dynamo

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// AddEntry stores a new entry in one TransactWriteItems (see waitlist.Repository):
//
//	[0] guard     Put, attribute_not_exists OR expired   (customers' entries only)
//	[1] waitlist  ConditionCheck exists (AND isOpen when requireOpen)
//	[2] entry     Put, attribute_not_exists
//	[3] place     Put
//	[4] due       Put                                     (when it has a DueAt)
//
// The guard comes first because minidyn reports only the first failed condition: a
// customer already in line must get their entry back on every endpoint. All joins of a
// waitlist check its item, so collisions are retried like a flight's (hotRetry).
func (r *WaitlistRepository) AddEntry(ctx context.Context, e *waitlist.Entry, requireOpen bool) (string, error) {
	stored := *e
	stored.Version = 1
	av, err := attributevalue.MarshalMap(newEntryItem(&stored))
	if err != nil {
		return "", storeError("encode waitlist entry", err)
	}
	var items []types.TransactWriteItem
	guarded := e.Customer != ""
	if guarded {
		g, err := r.helperPut(guardKey(e.WaitlistID, e.Customer), entityWaitlistGuard, e)
		if err != nil {
			return "", err
		}
		g.Put.ConditionExpression = aws.String("attribute_not_exists(#pk) OR #exp <= :now")
		g.Put.ExpressionAttributeNames = map[string]string{"#pk": AttrPK, "#exp": attrEntryExpiresMs}
		g.Put.ExpressionAttributeValues = map[string]types.AttributeValue{":now": intValue(e.CreatedAt.UnixMilli())}
		items = append(items, g)
	}
	checkAt := len(items)
	items = append(items, r.waitlistExists(e.WaitlistID, requireOpen))
	items = append(items, types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(r.s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	}})
	place, err := r.helperPut(placeKey(e), entityWaitlistPlace, e)
	if err != nil {
		return "", err
	}
	items = append(items, place)
	if !e.DueAt.IsZero() {
		due, err := r.helperPut(dueKey(e.ID, e.DueAt), entityWaitlistDue, e)
		if err != nil {
			return "", err
		}
		items = append(items, due)
	}
	failed, err := r.s.transactRetrying(ctx, "TransactWriteItems waitlist entry add", items, hotRetry)
	switch {
	case err != nil:
		return "", err
	case len(failed) == 0:
		return "", nil
	case guarded && slices.Contains(failed, 0):
		out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(r.s.table), Key: guardKey(e.WaitlistID, e.Customer), ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			return "", storeError("GetItem waitlist guard", err)
		}
		if id := stringAttr(out.Item[attrEntryID]); id != "" {
			return id, nil
		}
		return "", apperr.New(apperr.Conflict, "a concurrent join of waitlist %s got in the way, retry", e.WaitlistID)
	case slices.Contains(failed, checkAt):
		w, err := r.GetWaitlist(ctx, e.WaitlistID)
		if err != nil {
			return "", err
		}
		if requireOpen && !w.IsOpen {
			return "", apperr.New(apperr.BadRequest, "waitlist %s is closed", e.WaitlistID)
		}
		return "", apperr.New(apperr.Conflict, "waitlist %s changed while joining, retry", e.WaitlistID)
	default:
		return "", apperr.New(apperr.Conflict, "waitlist entry %s already exists", e.ID)
	}
}
