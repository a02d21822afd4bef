package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// waitlistMaxReceives is how many times a notification message is delivered before SQS
// moves it to the dead-letter queue: a delivery only fails when the table does not answer,
// and the consumer is idempotent, so a few tries cost nothing.
const waitlistMaxReceives = 3

// WaitlistNotifications is the waitlist notification queue: the waitlist-notifier job
// enqueues the parties it claimed, the consumer (the function's SQS event source on
// Lambda, the server's poller on Fargate) notifies them by SMS through SNS. A message
// that keeps failing lands in the dead-letter queue, whose depth raises an alarm.
type WaitlistNotifications struct {
	Queue    awssqs.Queue
	DLQ      awssqs.Queue
	DLQAlarm awscloudwatch.Alarm
}

// newWaitlistNotifications declares the queue, its DLQ and the alarm. visibility must
// exceed what one delivery can take (Lambda: six times the function timeout, as AWS
// advises for event source mappings).
func newWaitlistNotifications(stack awscdk.Stack, visibility awscdk.Duration) *WaitlistNotifications {
	w := &WaitlistNotifications{}
	w.DLQ = awssqs.NewQueue(stack, jsii.String("WaitlistNotificationsDLQ"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	w.Queue = awssqs.NewQueue(stack, jsii.String("WaitlistNotifications"), &awssqs.QueueProps{
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		VisibilityTimeout: visibility,
		// A notification older than an hour is no use to a party waiting for a table; the
		// entry's claim lease has long made the producer enqueue it again anyway.
		RetentionPeriod: awscdk.Duration_Hours(jsii.Number(1)),
		DeadLetterQueue: &awssqs.DeadLetterQueue{MaxReceiveCount: jsii.Number(waitlistMaxReceives), Queue: w.DLQ},
	})
	w.DLQAlarm = w.DLQ.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
		Period:    awscdk.Duration_Minutes(jsii.Number(1)),
		Statistic: jsii.String("Maximum"),
	}).CreateAlarm(stack, jsii.String("WaitlistNotificationsDLQDepth"), &awscloudwatch.CreateAlarmOptions{
		AlarmDescription: jsii.String("skygraph: waitlist notifications failed " +
			"3 times and were dead-lettered (the table did not answer the consumer); the parties were not notified"),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	return w
}

// grantServer lets the server's role send to and consume the queue and publish SMS, and
// tells the server where the queue is (SKYGRAPH_WAITLIST_QUEUE_URL) and to send SMS
// (SKYGRAPH_WAITLIST_SMS=sns). SMS spend limits and sandbox exits are the operator's, in
// the SNS console: they are account settings, not resources of this app.
func (w *WaitlistNotifications) grantServer(role awsiam.IRole, env map[string]*string) {
	w.Queue.GrantSendMessages(role)
	w.Queue.GrantConsumeMessages(role)
	policy := awsiam.NewPolicy(role.Stack(), jsii.String("WaitlistSmsPolicy"), &awsiam.PolicyProps{
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:     jsii.String("SkygraphWaitlistSms"),
			Actions: jsii.Strings("sns:Publish"),
			// An SMS to a phone number has no ARN: sns:Publish to numbers only takes "*".
			// The statement is limited to that action (no topic management).
			Resources: jsii.Strings("*"),
		})},
	})
	policy.AttachToRole(role)
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("sns:Publish to a phone number (SMS) has no resource ARN; IAM only accepts Resource * " +
			"for it. The statement allows that one action and nothing else."),
		AppliesTo: &[]any{jsii.String("Resource::*")},
	}}, jsii.Bool(true))
	env["SKYGRAPH_WAITLIST_QUEUE_URL"] = w.Queue.QueueUrl()
	env["SKYGRAPH_WAITLIST_SMS"] = jsii.String("sns")
}

// subscribe makes the queue the function's event source: batches of up to 10, and the
// records the handler reports failed (ReportBatchItemFailures) stay on the queue for a
// retry, then the DLQ; the others are deleted.
func (w *WaitlistNotifications) subscribe(fn awslambda.Function) {
	fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(w.Queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(10),
		ReportBatchItemFailures: jsii.Bool(true),
	}))
}
