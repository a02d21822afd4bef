package dynamo

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/internal/apperr"
)

// InLine returns the seqs of the waitlist's places (entries in line) not expired at now:
// one strongly consistent Query of PLACE#… in the waitlist's partition, projecting the sort
// key only, so a page holds ~20 000 places and a restaurant's list is one request. The
// places come in key order, which is seq order (fixed-width digits).
func (r *WaitlistRepository) InLine(ctx context.Context, waitlistID string, now time.Time) ([]int64, error) {
	in := &dynamodb.QueryInput{
		TableName:                aws.String(r.s.table),
		KeyConditionExpression:   aws.String("#pk = :pk AND begins_with(#sk, :place)"),
		FilterExpression:         aws.String("#exp > :now"),
		ProjectionExpression:     aws.String("#sk"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#sk": AttrSK, "#exp": attrEntryExpiresMs},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": stringValue(waitlistKeys.PK(waitlistID)), ":place": stringValue(waitlistPlacePrefix),
			":now": intValue(now.UnixMilli()),
		},
		ConsistentRead: aws.Bool(true),
	}
	var seqs []int64
	for {
		out, err := r.s.api.Query(ctx, in)
		if err != nil {
			return nil, storeError("Query waitlist places", err)
		}
		for _, it := range out.Items {
			sk := stringAttr(it[AttrSK])
			n, err := strconv.ParseInt(strings.TrimPrefix(sk, waitlistPlacePrefix), 10, 64)
			if err != nil {
				return nil, apperr.Errorf("waitlist %s: place key %q: %v", waitlistID, sk, err)
			}
			seqs = append(seqs, n)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return seqs, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
