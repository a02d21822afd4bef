// Package snssms is the waitlist.Notifier that sends an SMS through Amazon SNS Publish
// to the party's phone number (no topic). SMS spend limits, origination numbers and
// sandbox verification are the operator's, in the SNS console (README).
//
// SNS cannot run here: the tests drive the adapter through a fake of its client interface
// and assert the exact Publish input.
package snssms

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// API is the part of the SNS client the notifier uses (*sns.Client implements it).
type API interface {
	Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error)
}

var _ API = (*sns.Client)(nil)

// Config tunes the SMS.
type Config struct {
	// SenderID is the alphanumeric sender shown where carriers support it (optional,
	// 1-11 characters).
	SenderID string
}

// Notifier sends SMS through SNS.
type Notifier struct {
	api API
	cfg Config
}

var _ waitlist.Notifier = (*Notifier)(nil)

// New returns the notifier over api.
func New(api API, cfg Config) *Notifier { return &Notifier{api: api, cfg: cfg} }

// Notify publishes n.Text to n.Phone as a Transactional SMS (delivered even to numbers
// that opted out of promotional messages, and with the higher delivery priority a
// "your table is ready" message needs). The error tells what is known: BadRequest (SNS
// refused the number or message: not sent), Unavailable (throttled, or no answer: the
// outcome is unknown), Internal (configuration, e.g. permissions: not sent).
func (n *Notifier) Notify(ctx context.Context, x waitlist.Notification) error {
	in := &sns.PublishInput{
		PhoneNumber: aws.String(x.Phone),
		Message:     aws.String(x.Text),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"AWS.SNS.SMS.SMSType": {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
		},
	}
	if n.cfg.SenderID != "" {
		in.MessageAttributes["AWS.SNS.SMS.SenderID"] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(n.cfg.SenderID)}
	}
	_, err := n.api.Publish(ctx, in)
	if err == nil {
		return nil
	}
	var api smithy.APIError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return apperr.Wrap(err, apperr.Unavailable, "the SMS outcome is unknown")
	case errors.As(err, &api) && (api.ErrorCode() == "InvalidParameter" || api.ErrorCode() == "InvalidParameterValue"):
		return apperr.Wrap(err, apperr.BadRequest, "SNS refused the SMS")
	case errors.As(err, &api) && (api.ErrorCode() == "Throttling" || api.ErrorCode() == "ThrottledException" ||
		api.ErrorCode() == "InternalError" || api.ErrorCode() == "KMSThrottling"):
		return apperr.Wrap(err, apperr.Unavailable, "the SMS outcome is unknown")
	}
	return apperr.Wrap(fmt.Errorf("sns Publish: %w", err), apperr.Internal, "internal error")
}
