package app_test

import (
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/stretchr/testify/require"
)

const authorizeDoc = `mutation($a: Int!, $c: String!, $t: String!, $k: String) {
  authorizePayment(amount: $a, currency: $c, cardToken: $t, idempotencyKey: $k) {
    paymentToken amount currency status customer createdAt } }`

// TestAuthorizePayment: a signed-in customer places a hold with a test card and gets a
// paymentToken (charge id) like the sample's payment API; a declined card is
// PaymentDeclined; an idempotency key makes a retry return the same hold; anonymous
// callers cannot pay.
func TestAuthorizePayment(t *testing.T) {
	e := embeddedEnv(t, nil)
	tok := e.signIn(t, demoEmail, demoPassword)
	as := client.AddHeader("Authorization", tok)
	type auth struct {
		AuthorizePayment struct {
			PaymentToken, Currency, Status, Customer, CreatedAt string
			Amount                                              int
		}
	}
	var a1, a2 auth
	vars := []client.Option{client.Var("a", 12000), client.Var("c", "EUR"), client.Var("t", "tok_visa"), client.Var("k", "order-1"), as}
	e.client.MustPost(authorizeDoc, &a1, vars...)
	e.client.MustPost(authorizeDoc, &a2, vars...)
	p := a1.AuthorizePayment
	require.True(t, strings.HasPrefix(p.PaymentToken, "ch_"), p.PaymentToken)
	require.Equal(t, 12000, p.Amount)
	require.Equal(t, "EUR", p.Currency)
	require.Equal(t, "AUTHORIZED", p.Status)
	require.NotEmpty(t, p.Customer)
	require.Equal(t, p.PaymentToken, a2.AuthorizePayment.PaymentToken, "same idempotency key, same hold")

	_, out := e.raw(t, authorizeDoc, map[string]any{"a": 12000, "c": "EUR", "t": "tok_chargeDeclined"}, "Authorization", tok)
	requireCode(t, out, "PaymentDeclined")
	_, out = e.raw(t, authorizeDoc, map[string]any{"a": 12000, "c": "EUR", "t": "tok_stolen"}, "Authorization", tok)
	requireCode(t, out, "BadRequest")
	_, out = e.raw(t, authorizeDoc, map[string]any{"a": 0, "c": "EUR", "t": "tok_visa"}, "Authorization", tok)
	requireCode(t, out, "BadRequest")
	_, out = e.raw(t, authorizeDoc, map[string]any{"a": 12000, "c": "EUR", "t": "tok_visa"})
	requireCode(t, out, "Unauthorized")
}
