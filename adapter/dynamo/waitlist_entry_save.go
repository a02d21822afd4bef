package dynamo

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// SaveEntry is every entry transition (see waitlist.Repository) in one TransactWriteItems:
//
//	[0] waitlist  ConditionCheck exists
//	[1] entry     Put next, version = prev.Version AND expiresAtMs > next.UpdatedAt
//	[…] place     Delete when the entry leaves the line
//	    guard     Delete when a customer's entry leaves the line
//	    due       Delete the old marker / Put the new one when the due time or status changes
//
// The waitlist check makes a deleted waitlist's entries unchangeable from the moment its
// item is gone: no claim, no NOTIFIED, also for a message already on the queue.
func (r *WaitlistRepository) SaveEntry(ctx context.Context, prev, next *waitlist.Entry) (*waitlist.Entry, error) {
	out := *next
	out.Version = prev.Version + 1
	av, err := attributevalue.MarshalMap(newEntryItem(&out))
	if err != nil {
		return nil, storeError("encode waitlist entry", err)
	}
	items := []types.TransactWriteItem{
		r.waitlistExists(prev.WaitlistID, false),
		{Put: &types.Put{
			TableName: aws.String(r.s.table), Item: av,
			ConditionExpression:      aws.String("#v = :v AND #exp > :at"),
			ExpressionAttributeNames: map[string]string{"#v": attrVersion, "#exp": attrEntryExpiresMs},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":v": intValue(prev.Version), ":at": intValue(out.UpdatedAt.UnixMilli()),
			},
		}},
	}
	if prev.Status.InLine() && !out.Status.InLine() {
		items = append(items, r.helperDelete(placeKey(prev)))
		if prev.Customer != "" {
			items = append(items, r.helperDelete(guardKey(prev.WaitlistID, prev.Customer)))
		}
	}
	prevDue := prev.Status == waitlist.Waiting && !prev.DueAt.IsZero()
	nextDue := out.Status == waitlist.Waiting && !out.DueAt.IsZero()
	moved := !prev.DueAt.Equal(out.DueAt)
	if prevDue && (!nextDue || moved) {
		items = append(items, r.helperDelete(dueKey(prev.ID, prev.DueAt)))
	}
	if nextDue && (!prevDue || moved) {
		due, err := r.helperPut(dueKey(out.ID, out.DueAt), entityWaitlistDue, &out)
		if err != nil {
			return nil, err
		}
		items = append(items, due)
	}
	failed, err := r.s.transactRetrying(ctx, "TransactWriteItems waitlist entry", items, bookingRetry)
	switch {
	case err != nil:
		return nil, err
	case len(failed) == 0:
		return &out, nil
	case slices.Contains(failed, 0):
		return nil, apperr.New(apperr.NotFound, "waitlist %s not found", prev.WaitlistID)
	case slices.Contains(failed, 1):
		return nil, apperr.New(apperr.Conflict, "waitlist entry %s was changed concurrently or has expired; read it again", prev.ID)
	default:
		return nil, apperr.Errorf("waitlist entry %s: helper item condition failed: %v", prev.ID, failed)
	}
}
