package main

// The single table's key schema, as the server uses it (adapter/dynamo/keys.go and
// dynamo.TableDefinition in the main module). data_test.go compares the synthesized
// template with dynamo.TableDefinition, so a rename on either side fails the tests.
const (
	attrPK     = "PK"
	attrSK     = "SK"
	attrGSI1PK = "GSI1PK"
	attrGSI1SK = "GSI1SK"
	attrGSI2PK = "GSI2PK"
	attrGSI2SK = "GSI2SK"
	attrTTL    = "expiresAt"

	indexGSI1 = "GSI1" // projection ALL: a flight search is one Query
	indexGSI2 = "GSI2" // projection KEYS_ONLY: hot attributes never rewrite this index
)

// tableActions are the only DynamoDB actions the server calls on the table (adapter/dynamo/):
// item reads and writes, batches, Query, and DescribeTable for /readyz. Transactions need
// no action of their own: IAM authorizes TransactWriteItems/TransactGetItems through the
// per-item actions (PutItem, UpdateItem, DeleteItem, ConditionCheckItem, GetItem); there
// is no dynamodb:TransactWriteItems action to grant. Never Scan, never table management.
var tableActions = []string{
	"dynamodb:BatchGetItem",
	"dynamodb:BatchWriteItem",
	"dynamodb:ConditionCheckItem",
	"dynamodb:DeleteItem",
	"dynamodb:DescribeTable",
	"dynamodb:GetItem",
	"dynamodb:PutItem",
	"dynamodb:Query",
	"dynamodb:UpdateItem",
}

// indexActions are the actions on the GSIs: the server only queries them.
var indexActions = []string{"dynamodb:Query"}

// userPoolActions are the only Cognito admin actions the server calls (cognito/provider.go:
// addUserToGroup/removeUserFromGroup). SignUp, ConfirmSignUp and InitiateAuth are public
// Cognito APIs authorized by the app client, not by IAM.
var userPoolActions = []string{
	"cognito-idp:AdminAddUserToGroup",
	"cognito-idp:AdminRemoveUserFromGroup",
	"cognito-idp:AdminDisableUser",       // deleteUser
	"cognito-idp:AdminListGroupsForUser", // User.groups of another user (Admin)
}

// Groups of the user pool, as the schema's directives name them.
const (
	groupAdmin           = "Admin"
	groupRestaurantOwner = "RestaurantOwner"
)
