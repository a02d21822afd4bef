package dynamo

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// CreateWaitlist puts the waitlist, conditional on its id being new.
func (r *WaitlistRepository) CreateWaitlist(ctx context.Context, w *waitlist.Waitlist) error {
	stored := *w
	stored.Version = 1
	av, err := attributevalue.MarshalMap(newWaitlistItem(&stored, 0))
	if err != nil {
		return storeError("encode waitlist", err)
	}
	_, err = r.s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(r.s.table), Item: av,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	})
	if _, ok := isConditionFailed(err); ok {
		return apperr.New(apperr.Conflict, "waitlist %s already exists", w.ID)
	}
	return storeError("PutItem waitlist", err)
}

// UpdateWaitlist sets the editable fields and index keys with one UpdateItem conditional
// on the version (and so on existence: an unknown id is never created). The seq counter is
// left alone.
func (r *WaitlistRepository) UpdateWaitlist(ctx context.Context, prev, next *waitlist.Waitlist) (*waitlist.Waitlist, error) {
	out := *next
	out.Version = prev.Version + 1
	_, err := r.s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(r.s.table),
		Key:                 waitlistKey(prev.ID),
		UpdateExpression:    aws.String("SET #name = :name, #desc = :desc, #open = :open, #g1 = :g1, #g2 = :g2, #u = :u, #v = :nv"),
		ConditionExpression: aws.String("attribute_exists(#pk) AND #v = :v"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrPK, "#name": "name", "#desc": "description", "#open": attrWaitlistOpen,
			"#g1": AttrGSI1SK, "#g2": AttrGSI2SK, "#u": attrUpdatedAt, "#v": attrVersion,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":name": stringValue(out.Name), ":desc": stringValue(out.Description),
			":open": &types.AttributeValueMemberBOOL{Value: out.IsOpen},
			":g1":   stringValue(waitlistKeys.GSI1SK(out.Name, out.ID)),
			":g2":   stringValue(waitlistKeys.GSI2SK(out.IsOpen, out.Name, out.ID)),
			":u":    stringValue(formatTime(out.UpdatedAt)), ":nv": intValue(out.Version), ":v": intValue(prev.Version),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, ok := isConditionFailed(err); ok {
		if len(ccf.Item) == 0 {
			if _, gerr := r.GetWaitlist(ctx, prev.ID); gerr != nil {
				return nil, gerr // NotFound (minidyn returns no item: re-read to explain)
			}
		}
		return nil, apperr.New(apperr.Conflict, "waitlist %s was changed concurrently; read it again", prev.ID)
	}
	if err != nil {
		return nil, storeError("UpdateItem waitlist", err)
	}
	return &out, nil
}

// NextSeq increments the waitlist's counter with one UpdateItem (ADD, conditional on the
// waitlist existing) and returns the new value: unique and increasing without a read.
func (r *WaitlistRepository) NextSeq(ctx context.Context, waitlistID string) (int64, error) {
	out, err := r.s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(r.s.table),
		Key:                       waitlistKey(waitlistID),
		UpdateExpression:          aws.String("ADD #seq :one"),
		ConditionExpression:       aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#seq": attrWaitlistSeq},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": intValue(1)},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if _, ok := isConditionFailed(err); ok {
		return 0, apperr.New(apperr.NotFound, "waitlist %s not found", waitlistID)
	}
	if err != nil {
		return 0, storeError("UpdateItem waitlist seq", err)
	}
	n, ok := out.Attributes[attrWaitlistSeq].(*types.AttributeValueMemberN)
	if !ok {
		return 0, apperr.Errorf("waitlist %s: seq missing from UpdateItem answer", waitlistID)
	}
	seq, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		return 0, apperr.Errorf("waitlist %s: seq %q: %v", waitlistID, n.Value, err)
	}
	return seq, nil
}
