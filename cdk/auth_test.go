package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestUserPool(t *testing.T) {
	a := app(t, "lambda")
	tpl := a.template(t, a.Sky.Auth.Stack)
	pool := only(t, tpl, "AWS::Cognito::UserPool")
	p := props(pool)

	pw := get(p, "Policies", "PasswordPolicy")
	for field, want := range map[string]any{
		"MinimumLength": 8.0, "RequireLowercase": true, "RequireUppercase": true,
		"RequireNumbers": true, "RequireSymbols": true,
	} {
		if got := get(pw, field); got != want {
			t.Errorf("PasswordPolicy.%s = %v, want %v", field, got, want)
		}
	}
	if got := jsonString(p["UsernameAttributes"]); got != `["email"]` {
		t.Errorf("UsernameAttributes = %s, want email sign-in", got)
	}
	if got := jsonString(p["AutoVerifiedAttributes"]); got != `["email"]` {
		t.Errorf("AutoVerifiedAttributes = %s, want email", got)
	}
	if got := p["UserPoolTier"]; got != "PLUS" {
		t.Errorf("UserPoolTier = %v, want PLUS (threat protection)", got)
	}
	if got := get(p, "UserPoolAddOns", "AdvancedSecurityMode"); got != "ENFORCED" {
		t.Errorf("UserPoolAddOns.AdvancedSecurityMode = %v, want ENFORCED", got)
	}
	if got := p["DeletionProtection"]; got != "ACTIVE" {
		t.Errorf("DeletionProtection = %v, want ACTIVE", got)
	}
	if pool["DeletionPolicy"] != "Retain" {
		t.Errorf("pool DeletionPolicy = %v, want Retain", pool["DeletionPolicy"])
	}

	client := props(only(t, tpl, "AWS::Cognito::UserPoolClient"))
	if got := client["GenerateSecret"]; got != false {
		t.Errorf("client GenerateSecret = %v, want false (public client)", got)
	}
	want := []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"}
	if got := strs(client["ExplicitAuthFlows"]); !reflect.DeepEqual(got, want) {
		t.Errorf("client ExplicitAuthFlows = %v, want %v", got, want)
	}
	if client["AllowedOAuthFlows"] != nil || client["CallbackURLs"] != nil {
		t.Errorf("client has OAuth flows or callback URLs (%v, %v); the app uses none", client["AllowedOAuthFlows"], client["CallbackURLs"])
	}
	if client["PreventUserExistenceErrors"] != "ENABLED" {
		t.Errorf("client PreventUserExistenceErrors = %v, want ENABLED", client["PreventUserExistenceErrors"])
	}

	var groups []string
	for _, g := range resources(tpl, "AWS::Cognito::UserPoolGroup") {
		groups = append(groups, props(g)["GroupName"].(string))
	}
	if got := strs(anySlice(groups)); !reflect.DeepEqual(got, []string{groupAdmin, groupRestaurantOwner}) {
		t.Errorf("groups %v, want Admin and RestaurantOwner", got)
	}
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// TestPostConfirmationTrigger: on the Lambda flavour the pool's PostConfirmation trigger is
// the API function (by its fixed name: the function's stack refers to the pool, so a
// reference back would be a cycle), and the function lets exactly this pool's Cognito
// invoke it. The Fargate flavour has no function and no trigger (profiles are then created
// at signUp and lazily on first use).
func TestPostConfirmationTrigger(t *testing.T) {
	a := app(t, "lambda")
	pool := props(only(t, a.template(t, a.Sky.Auth.Stack), "AWS::Cognito::UserPool"))
	trigger := jsonString(get(pool, "LambdaConfig", "PostConfirmation"))
	if !strings.Contains(trigger, ":function:"+lambdaFunctionName) || !strings.Contains(trigger, ":lambda:") {
		t.Errorf("LambdaConfig.PostConfirmation = %s, want the ARN of function %s", trigger, lambdaFunctionName)
	}
	lt := a.template(t, a.Sky.Lambda.Stack)
	fn := props(only(t, lt, "AWS::Lambda::Function"))
	if fn["FunctionName"] != lambdaFunctionName {
		t.Errorf("function name %v, want %s (the trigger names it)", fn["FunctionName"], lambdaFunctionName)
	}
	var found bool
	for _, perm := range resources(lt, "AWS::Lambda::Permission") {
		p := props(perm)
		if p["Principal"] != "cognito-idp.amazonaws.com" {
			continue
		}
		found = true
		if p["Action"] != "lambda:InvokeFunction" {
			t.Errorf("Cognito permission action %v", p["Action"])
		}
		if src := jsonString(p["SourceArn"]); !strings.Contains(src, "ImportValue") || !strings.Contains(src, "UserPool") {
			t.Errorf("Cognito permission SourceArn %s, want the pool's ARN (imported from the auth stack)", src)
		}
		if p["SourceAccount"] == nil {
			t.Errorf("Cognito permission without SourceAccount")
		}
	}
	if !found {
		t.Errorf("no lambda:InvokeFunction permission for cognito-idp.amazonaws.com")
	}

	f := app(t, "fargate")
	if lc := get(props(only(t, f.template(t, f.Sky.Auth.Stack), "AWS::Cognito::UserPool")), "LambdaConfig"); lc != nil {
		t.Errorf("fargate flavour: LambdaConfig %s, want none", jsonString(lc))
	}
}
