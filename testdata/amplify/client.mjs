// An unchanged AWS Amplify v6 client against skygraph, as a frontend would use it:
// Amplify.configure with the GraphQL endpoint, the project's own signIn mutation (public:
// authMode 'none'), then userPool mode with the access token, a query, a subscription to
// onUpdateBooking through <endpoint>/realtime (wss://, which Amplify derives itself), and
// the booking mutations. The subscription must deliver the CONFIRMED booking.
//
//   NODE_EXTRA_CA_CERTS=.dev-tls/cert.pem node testdata/amplify/client.mjs https://127.0.0.1:8080/graphql
//
// Prints one JSON line with what it saw; exits 1 on any error or after HANG_GUARD_MS.
// Env: EMAIL, PASSWORD (default: the seeded demo customer), DAY (YYYY-MM-DD, default
// tomorrow), FROM/TO airports (default LGW → MAD), HANG_GUARD_MS (default 120000).
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { Hub } from 'aws-amplify/utils';
import { decodeJWT } from '@aws-amplify/core';
import WebSocket from 'ws';

// Node 20 has no global WebSocket (browsers and Node 22 do); Amplify uses the global one.
globalThis.WebSocket ??= WebSocket;

const endpoint = process.argv[2] ?? 'https://127.0.0.1:8080/graphql';
const email = process.env.EMAIL ?? 'demo@example.com';
const password = process.env.PASSWORD ?? 'Demo1234!';
const day = process.env.DAY ?? new Date(Date.now() + 86400000).toISOString().slice(0, 10);
const from = process.env.FROM ?? 'LGW';
const to = process.env.TO ?? 'MAD';
const hangGuard = Number(process.env.HANG_GUARD_MS ?? 120000);

let step = 'configure';
const timer = setTimeout(() => fail(new Error(`no progress within ${hangGuard} ms`)), hangGuard);
function fail(err) {
  console.error(`amplify client: ${step}: ${err?.errors ? JSON.stringify(err.errors) : err?.stack ?? err}`);
  process.exit(1);
}

let accessToken;
Amplify.configure(
  { API: { GraphQL: { endpoint, region: 'us-east-1', defaultAuthMode: 'userPool' } } },
  { Auth: { tokenProvider: { getTokens: async () => (accessToken ? { accessToken: decodeJWT(accessToken) } : null) } } },
);
const client = generateClient();

const signIn = /* GraphQL */ `mutation SignIn($email: String!, $password: String!) {
  signIn(email: $email, password: $password) { accessToken expiresIn } }`;
const flights = /* GraphQL */ `query Flights($from: String!, $to: String!, $day: String) {
  getFlightBySchedule(departureAirportCode: $from,
    arrivalAirportCodeDepartureDate: { beginsWith: { arrivalAirportCode: $to, departureDate: $day } },
    filter: { seatCapacity: { gt: 0 } }, limit: 1) { items { id ticketPrice ticketCurrency } } }`;
const onUpdateBooking = /* GraphQL */ `subscription OnUpdateBooking {
  onUpdateBooking { id status bookingReference outboundFlight { id } } }`;
const authorizePayment = /* GraphQL */ `mutation Pay($amount: Int!, $currency: String!) {
  authorizePayment(amount: $amount, currency: $currency, cardToken: "tok_visa") { paymentToken status } }`;
const processBooking = /* GraphQL */ `mutation Book($t: String!, $f: ID!) {
  processBooking(input: { paymentToken: $t, bookingOutboundFlightId: $f }) { id status bookingReference } }`;

try {
  step = 'signIn (authMode none)';
  const s = await client.graphql({ query: signIn, variables: { email, password }, authMode: 'none' });
  accessToken = s.data.signIn.accessToken;

  step = 'getFlightBySchedule (userPool)';
  const f = await client.graphql({ query: flights, variables: { from, to, day } });
  const flight = f.data.getFlightBySchedule.items[0];
  if (!flight) throw new Error(`no ${from}→${to} flight with a seat on ${day}`);

  step = 'subscribe onUpdateBooking (wss://…/graphql/realtime)';
  let confirmedSeen;
  const confirmed = new Promise((resolve, reject) => { confirmedSeen = { resolve, reject }; });
  const seen = [];
  let bookingId;
  const acked = new Promise((resolve) => {
    const stop = Hub.listen('api', ({ payload }) => {
      if (payload.event === 'Subscription ack') { stop(); resolve(); }
    });
  });
  const sub = client.graphql({ query: onUpdateBooking }).subscribe({
    next: ({ data }) => {
      const b = data.onUpdateBooking;
      seen.push(b); // the whole object: it may arrive before processBooking answers
      if (b.id === bookingId && b.status === 'CONFIRMED') confirmedSeen.resolve(b);
    },
    error: (err) => confirmedSeen.reject(err),
  });
  await acked;

  step = 'authorizePayment';
  const p = await client.graphql({
    query: authorizePayment,
    variables: { amount: Math.round(flight.ticketPrice * 100), currency: flight.ticketCurrency },
  });
  step = 'processBooking';
  const b = await client.graphql({ query: processBooking, variables: { t: p.data.authorizePayment.paymentToken, f: flight.id } });
  const booking = b.data.processBooking;
  bookingId = booking.id;
  for (const e of seen) if (e.id === bookingId && e.status === 'CONFIRMED') confirmedSeen.resolve(e);

  step = 'wait for the CONFIRMED booking on onUpdateBooking';
  const event = await confirmed;
  sub.unsubscribe();
  clearTimeout(timer);
  console.log(JSON.stringify({
    signedIn: true, flight: flight.id, payment: p.data.authorizePayment.status, booking,
    subscription: { id: event.id, status: event.status, bookingReference: event.bookingReference ?? null, flight: event.outboundFlight?.id ?? null },
  }));
  process.exit(0);
} catch (err) {
  fail(err);
}
