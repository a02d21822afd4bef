package app

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/skygraph/skygraph/adapter/snssms"
	"github.com/skygraph/skygraph/adapter/sqsqueue"
)

// WaitlistConfig is the waitlist notification settings (part of Config).
type WaitlistConfig struct {
	// WaitlistQueueURL is the SQS queue of waitlist notifications
	// (SKYGRAPH_WAITLIST_QUEUE_URL; the CDK app sets it). Empty: an in-process queue.
	WaitlistQueueURL string
	// SQSEndpoint overrides the SQS endpoint (SKYGRAPH_SQS_ENDPOINT), e.g. a local stand-in;
	// like DynamoDB Local it then takes any credentials.
	SQSEndpoint string
	// WaitlistSMS sends notifications as SMS through SNS Publish (SKYGRAPH_WAITLIST_SMS=sns);
	// default: the log.
	WaitlistSMS bool
	// WaitlistSMSSenderID is the SMS sender id where carriers support one
	// (SKYGRAPH_WAITLIST_SMS_SENDER_ID).
	WaitlistSMSSenderID string
}

func (c *WaitlistConfig) fromEnv(getenv func(string) string) []string {
	var errs []string
	c.WaitlistQueueURL = getenv("SKYGRAPH_WAITLIST_QUEUE_URL")
	c.SQSEndpoint = getenv("SKYGRAPH_SQS_ENDPOINT")
	c.WaitlistSMSSenderID = getenv("SKYGRAPH_WAITLIST_SMS_SENDER_ID")
	switch v := getenv("SKYGRAPH_WAITLIST_SMS"); v {
	case "", "log":
	case "sns":
		c.WaitlistSMS = true
	default:
		errs = append(errs, fmt.Sprintf("SKYGRAPH_WAITLIST_SMS=%q: want sns or log", v))
	}
	if n := len(c.WaitlistSMSSenderID); n > 11 {
		errs = append(errs, "SKYGRAPH_WAITLIST_SMS_SENDER_ID: at most 11 characters")
	}
	return errs
}

func awsConfig(ctx context.Context, cfg Config, endpoint string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if endpoint != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	c, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return c, nil
}

// openSQS is the SQS notification queue.
func openSQS(ctx context.Context, cfg Config) (*sqsqueue.Queue, error) {
	c, err := awsConfig(ctx, cfg, cfg.SQSEndpoint)
	if err != nil {
		return nil, fmt.Errorf("waitlist queue: %w", err)
	}
	client := sqs.NewFromConfig(c, func(o *sqs.Options) {
		if cfg.SQSEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.SQSEndpoint)
		}
	})
	return sqsqueue.New(client, sqsqueue.Config{QueueURL: cfg.WaitlistQueueURL})
}

// openSNS is the SNS SMS notifier.
func openSNS(ctx context.Context, cfg Config) (*snssms.Notifier, error) {
	c, err := awsConfig(ctx, cfg, "")
	if err != nil {
		return nil, fmt.Errorf("waitlist SMS: %w", err)
	}
	return snssms.New(sns.NewFromConfig(c), snssms.Config{SenderID: cfg.WaitlistSMSSenderID}), nil
}
