package main

import (
	"strings"
	"testing"
)

// jobsQueues are the template's queues other than the waitlist notification queues.
func jobsQueues(tpl map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, q := range resources(tpl, "AWS::SQS::Queue") {
		if !strings.HasPrefix(id, "WaitlistNotifications") {
			out[id] = q
		}
	}
	return out
}

// waitlistQueues returns the logical ids of the notification queue and its DLQ, checking
// both are encrypted and that the queue redrives to the DLQ after 3 receives.
func waitlistQueues(t *testing.T, tpl map[string]any) (queue, dlq string) {
	t.Helper()
	for id, q := range resources(tpl, "AWS::SQS::Queue") {
		switch {
		case strings.HasPrefix(id, "WaitlistNotificationsDLQ"):
			dlq = id
		case strings.HasPrefix(id, "WaitlistNotifications"):
			queue = id
		default:
			continue
		}
		if props(q)["SqsManagedSseEnabled"] != true {
			t.Errorf("queue %s: SqsManagedSseEnabled = %v, want true", id, props(q)["SqsManagedSseEnabled"])
		}
	}
	if queue == "" || dlq == "" {
		t.Fatalf("want the waitlist notification queue and its DLQ, got %q and %q", queue, dlq)
	}
	q := props(resources(tpl, "AWS::SQS::Queue")[queue])
	if got := get(q, "RedrivePolicy", "maxReceiveCount"); got != float64(waitlistMaxReceives) {
		t.Errorf("maxReceiveCount = %v, want %d", got, waitlistMaxReceives)
	}
	if arn := jsonString(get(q, "RedrivePolicy", "deadLetterTargetArn")); !strings.Contains(arn, dlq) {
		t.Errorf("deadLetterTargetArn %s, want the DLQ %s", arn, dlq)
	}
	sslOnly := map[string]bool{}
	for _, qp := range resources(tpl, "AWS::SQS::QueuePolicy") {
		for _, s := range asList(get(props(qp), "PolicyDocument", "Statement")) {
			if get(s, "Effect") == "Deny" && get(s, "Condition", "Bool", "aws:SecureTransport") == "false" {
				for _, r := range asList(get(props(qp), "Queues")) {
					for _, id := range []string{queue, dlq} {
						if strings.Contains(jsonString(r), id) {
							sslOnly[id] = true
						}
					}
				}
			}
		}
	}
	if !sslOnly[queue] || !sslOnly[dlq] {
		t.Errorf("TLS-only queue policies: %v, want both queues", sslOnly)
	}
	return queue, dlq
}

// checkWaitlistAccess: the server's role may send, receive and delete on the queue and
// publish SMS, and the server is told the queue URL and to use SNS.
func checkWaitlistAccess(t *testing.T, tpl map[string]any, queue string, env map[string]string) {
	t.Helper()
	var sqsActions, smsStatements []string
	for _, s := range policyStatements(tpl) {
		acts := strs(s.Body["Action"])
		res := jsonString(s.Body["Resource"])
		for _, a := range acts {
			if strings.HasPrefix(a, "sqs:") && strings.Contains(res, queue) && !strings.Contains(res, queue+"DLQ") {
				sqsActions = append(sqsActions, a)
			}
		}
		if jsonString(acts) == `["sns:Publish"]` {
			smsStatements = append(smsStatements, s.Body["Sid"].(string)+" "+res)
		}
	}
	for _, want := range []string{"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} {
		if !strings.Contains(strings.Join(sqsActions, " "), want) {
			t.Errorf("server role lacks %s on the queue (has %v)", want, sqsActions)
		}
	}
	if len(smsStatements) != 1 || smsStatements[0] != `SkygraphWaitlistSms "*"` {
		t.Errorf("SMS statements %v, want one sns:Publish statement (SkygraphWaitlistSms)", smsStatements)
	}
	if !strings.Contains(env["SKYGRAPH_WAITLIST_QUEUE_URL"], queue) {
		t.Errorf("SKYGRAPH_WAITLIST_QUEUE_URL = %q, want the queue %s", env["SKYGRAPH_WAITLIST_QUEUE_URL"], queue)
	}
	if strings.Trim(env["SKYGRAPH_WAITLIST_SMS"], `"`) != "sns" {
		t.Errorf("SKYGRAPH_WAITLIST_SMS = %q, want sns", env["SKYGRAPH_WAITLIST_SMS"])
	}
}

// checkDLQAlarm: an alarm fires as soon as one message is dead-lettered.
func checkDLQAlarm(t *testing.T, tpl map[string]any, dlq string) {
	t.Helper()
	found := false
	for id, a := range resources(tpl, "AWS::CloudWatch::Alarm") {
		p := props(a)
		if p["MetricName"] != "ApproximateNumberOfMessagesVisible" || !strings.Contains(jsonString(p["Dimensions"]), dlq) {
			continue
		}
		found = true
		if p["Threshold"] != 1.0 || p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || p["EvaluationPeriods"] != 1.0 {
			t.Errorf("alarm %s: %v %v over %v periods, want ≥ 1 over 1", id, p["ComparisonOperator"], p["Threshold"], p["EvaluationPeriods"])
		}
		if p["TreatMissingData"] != "notBreaching" {
			t.Errorf("alarm %s TreatMissingData = %v", id, p["TreatMissingData"])
		}
	}
	if !found {
		t.Errorf("no alarm on the depth of the DLQ %s", dlq)
	}
}

func TestWaitlistNotificationsLambda(t *testing.T) {
	a := app(t, "lambda")
	tpl := a.template(t, a.Sky.Lambda.Stack)
	queue, dlq := waitlistQueues(t, tpl)
	checkDLQAlarm(t, tpl, dlq)
	fn := props(only(t, tpl, "AWS::Lambda::Function"))
	checkWaitlistAccess(t, tpl, queue, envOf(get(fn, "Environment", "Variables")))

	m := props(only(t, tpl, "AWS::Lambda::EventSourceMapping"))
	if !strings.Contains(jsonString(m["EventSourceArn"]), queue) || strings.Contains(jsonString(m["EventSourceArn"]), dlq) {
		t.Errorf("event source %s, want the queue %s", jsonString(m["EventSourceArn"]), queue)
	}
	if jsonString(m["FunctionResponseTypes"]) != `["ReportBatchItemFailures"]` {
		t.Errorf("FunctionResponseTypes = %s, want partial batch failures reported", jsonString(m["FunctionResponseTypes"]))
	}
	if m["BatchSize"] != 10.0 {
		t.Errorf("BatchSize = %v, want 10", m["BatchSize"])
	}
	vis := get(props(resources(tpl, "AWS::SQS::Queue")[queue]), "VisibilityTimeout")
	if timeout, _ := fn["Timeout"].(float64); vis.(float64) < 6*timeout {
		t.Errorf("queue VisibilityTimeout %v < 6 × function timeout %v", vis, timeout)
	}
}

func TestWaitlistNotificationsFargate(t *testing.T) {
	a := app(t, "fargate")
	tpl := a.template(t, a.Sky.Fargate.Stack)
	queue, dlq := waitlistQueues(t, tpl)
	checkDLQAlarm(t, tpl, dlq)
	task := props(only(t, tpl, "AWS::ECS::TaskDefinition"))
	env := map[string]string{}
	for _, kv := range asList(get(asList(task["ContainerDefinitions"])[0], "Environment")) {
		env[get(kv, "Name").(string)] = jsonString(get(kv, "Value"))
	}
	checkWaitlistAccess(t, tpl, queue, env)
	if n := len(resources(tpl, "AWS::Lambda::EventSourceMapping")); n != 0 {
		t.Errorf("%d event source mappings on Fargate: the server polls the queue", n)
	}
}
