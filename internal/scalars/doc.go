// Package scalars implements AWS AppSync's nine built-in scalars for gqlgen: AWSDate,
// AWSTime, AWSDateTime, AWSTimestamp, AWSEmail, AWSJSON, AWSURL, AWSPhone and
// AWSIPAddress.
//
// # Why this package exists
//
// skygraph serves a schema that must also run on AWS AppSync, and AppSync allows only the
// GraphQL built-in scalars plus these AWS ones: it forbids user-defined scalars. Frontends
// written for AppSync (Amplify clients, generated API code) therefore send and expect
// exactly these formats. To be a drop-in replacement the server must accept what AppSync
// accepts and reject what it rejects, following the AppSync developer guide ("Scalar types
// in AWS AppSync"); each function documents the exact rules and where they go beyond the
// guide, which is vague in places (AWSPhone, AWSEmail).
//
// # gqlgen binding
//
// Each scalar is a pair of functions in gqlgen's "third-party type" style. gqlgen.yml maps
//
//	AWSDate:
//	  model: github.com/skygraph/skygraph/internal/scalars.AWSDate
//
// and gqlgen then calls MarshalAWSDate and UnmarshalAWSDate. The package deliberately
// declares no types named after the scalars: the Go types are plain string, int64 and
// time.Time, so domain packages need not import this one, and gqlgen (which prefers
// function marshalers anyway) has only one candidate to bind.
//
// # Validation without gqlgen
//
// ParseAWSDate, ParseAWSTime, ParseAWSDateTime, ValidEmail, ValidJSON, ValidURL,
// ValidPhone and ValidIPAddress check a string by the same rules the Unmarshal functions
// use, so a resolver, a loader or a test can validate data that did not come through
// GraphQL input (for example a value read from storage, or one built by server code before
// it is returned).
//
// # Errors
//
// Every rejected value yields an *apperr.Error with code apperr.BadRequest. Its message is
// meant for clients: it names the scalar, quotes (a prefix of) the value, says what is
// wrong when that is specific, and states the expected format, for example
//
//	invalid AWSDate "2021-02-30": 2021-02 has no day 30; expected a calendar date YYYY-MM-DD with an optional offset such as Z or +05:30
//
// The functions never panic, whatever the input (nil, unexpected Go types, invalid UTF-8,
// huge strings). Text inputs are capped at MaxInputLen bytes (AWSJSON at MaxJSONLen) so a
// hostile request cannot make validation expensive.
//
// # Output
//
// The Marshal functions write the value as JSON and do not validate it: gqlgen's marshal
// signature cannot return an error, and output comes from server code, which should
// validate with the Parse/Valid functions before storing data. AWSDateTime is the only
// scalar whose output is normalised (to UTC with milliseconds, see FormatAWSDateTime);
// the string scalars are written back exactly as stored.
package scalars
