package snssms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/snssms"
	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// fakeSNS records Publish calls and answers with err.
type fakeSNS struct {
	calls []*sns.PublishInput
	err   error
}

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	return &sns.PublishOutput{MessageId: aws.String("m-1")}, nil
}

var note = waitlist.Notification{
	EntryID: "e1", WaitlistID: "w1", Name: "Ana", Phone: "+34600111222",
	Text: "Hi Ana, your table for 2 at Demo Bistro will be ready at 19:45 UTC. Please be back by then.",
}

func TestPublishInputIsExactlyATransactionalSMSToThePhone(t *testing.T) {
	f := &fakeSNS{}
	require.NoError(t, snssms.New(f, snssms.Config{SenderID: "Bistro"}).Notify(context.Background(), note))
	require.Equal(t, []*sns.PublishInput{{
		PhoneNumber: aws.String("+34600111222"),
		Message:     aws.String(note.Text),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"AWS.SNS.SMS.SMSType":  {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
			"AWS.SNS.SMS.SenderID": {DataType: aws.String("String"), StringValue: aws.String("Bistro")},
		},
	}}, f.calls)

	f = &fakeSNS{}
	require.NoError(t, snssms.New(f, snssms.Config{}).Notify(context.Background(), note))
	require.Len(t, f.calls[0].MessageAttributes, 1, "no sender id unless configured")
	require.Nil(t, f.calls[0].TopicArn)
	require.Nil(t, f.calls[0].TargetArn)
}

func TestErrorsSayWhatIsKnown(t *testing.T) {
	for _, c := range []struct {
		err  error
		code apperr.Code
	}{
		{&smithy.GenericAPIError{Code: "InvalidParameter", Message: "Invalid parameter: PhoneNumber"}, apperr.BadRequest},
		{&smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}, apperr.Unavailable},
		{context.DeadlineExceeded, apperr.Unavailable},
		{&smithy.GenericAPIError{Code: "AuthorizationError", Message: "not authorized to perform sns:Publish"}, apperr.Internal},
		{errors.New("connection reset"), apperr.Internal},
	} {
		err := snssms.New(&fakeSNS{err: c.err}, snssms.Config{}).Notify(context.Background(), note)
		require.Equal(t, c.code, apperr.CodeOf(err), "%v", c.err)
		require.NotContains(t, apperr.MessageOf(err), "sns:Publish", "no AWS detail for clients")
	}
}
