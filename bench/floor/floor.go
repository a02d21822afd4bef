// Package floor is the measuring stick of `make bench` (issue 13): a bare net/http handler
// that makes the same DynamoDB calls as skygraph for each benchmark workload (through the
// same repositories of adapter/dynamo, so the calls are the same by construction) and writes
// the same JSON with encoding/json, without GraphQL, authentication or authorization.
// skygraph's cost above this floor is its own overhead.
//
// The package also seeds the workloads' data into an App (Seed) and describes every workload
// as a skygraph GraphQL request and the equivalent floor request (Fixture), so the load
// generator (bench/load, its own module) and the in-process benchmarks ask both servers for
// the same data; floor_test.go checks that both answer with the same JSON.
package floor

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/filter"
)

// Workload names, in the order the table prints them.
const (
	Search   = "flight-search"
	Ten      = "ten-flights"
	Bookings = "bookings-by-status"
	Process  = "process-booking"
	Orders   = "me-orders"
	Waitlist = "waitlist-dashboard"
)

// Names lists every workload.
var Names = []string{Search, Ten, Bookings, Process, Orders, Waitlist}

// Request is one HTTP request; Header carries the identity (skygraph: a token; floor: the
// caller's id in X-Customer, since the floor does no authentication).
type Request struct {
	Path   string            `json:"path"`
	Body   json.RawMessage   `json:"body"`
	Header map[string]string `json:"header,omitempty"`
}

// Workload is the requests of one workload for each server. Consumed requests (processBooking:
// one payment hold each) may be sent once; the others are cycled.
type Workload struct {
	Name     string    `json:"name"`
	Consumed bool      `json:"consumed,omitempty"`
	Skygraph []Request `json:"skygraph"`
	Floor    []Request `json:"floor"`
}

// Fixture is every workload of one seeded store.
type Fixture struct {
	Workloads []Workload `json:"workloads"`
}

// Get returns the workload name.
func (f *Fixture) Get(name string) *Workload {
	for i := range f.Workloads {
		if f.Workloads[i].Name == name {
			return &f.Workloads[i]
		}
	}
	return nil
}

// Size bounds the seeded data.
type Size struct {
	// Bookings is how many processBooking requests (payment holds) are prepared.
	Bookings int
	// Orders is how many orders the orders customer has (3 lines each).
	Orders int
	// Only prepares the consumed requests of one server ("skygraph" or "floor"); empty: both.
	Only string
	// Customers take turns at processBooking (default 16); Page is the bookings workload's
	// customer's bookings (default 50, the workload's limit). Tests make them small: each
	// customer is a sign-up, slow under -race.
	Customers, Page int
}

// GraphQL documents of the workloads: the sample frontend's search, ten aliased getFlight,
// a signed-in customer's bookings with their flights, processBooking, and a profile with its
// orders and their products.
const (
	flightFields = `id departureDate departureAirportCode departureAirportName departureCity departureLocale arrivalDate arrivalAirportCode arrivalAirportName arrivalCity arrivalLocale ticketPrice ticketCurrency flightNumber seatCapacity`
	searchDoc    = `query GetFlightBySchedule($departureAirportCode: String, $arrivalAirportCodeDepartureDate: ModelFlightByDepartureScheduleCompositeKeyConditionInput, $filter: ModelFlightFilterInput, $limit: Int) { getFlightBySchedule(departureAirportCode: $departureAirportCode, arrivalAirportCodeDepartureDate: $arrivalAirportCodeDepartureDate, filter: $filter, limit: $limit) { items { ` + flightFields + ` } nextToken } }`
	bookingsDoc  = `query { getBookingByStatus(limit: 50) { items { id status bookingReference outboundFlight { id departureDate departureAirportCode arrivalAirportCode flightNumber } } } }`
	processDoc   = `mutation($in: CreateBookingInput!) { processBooking(input: $in) { id status bookingReference } }`
	ordersDoc    = `{ me { id name orders(limit: 20) { items { id total items { quantity product { id name price } } } } } }`
	// A restaurant owner's dashboard: the list, its line length and estimate, and its parties
	// with their places in line.
	waitlistDoc = `query($id: ID!) { getWaitlist(id: $id) { id name isOpen waitingCount estimatedWaitMinutes entries(limit: 50) { items { id name partySize status position } } } }`
)

// waitlistParties is how many parties are in line on the dashboard workload's waitlist.
const waitlistParties = 30

// searchDate is the departure day of the searched flights: far enough ahead to stay in the
// future for a whole run.
func searchDate() string { return time.Now().UTC().AddDate(0, 0, 2).Format("2006-01-02") }

var seq atomic.Int64

// Seed creates the data of every workload in a's store and returns the requests. It signs
// customers up through the App's identity provider (the local one, or cognito-local).
func Seed(ctx context.Context, a *app.App, size Size) (*Fixture, error) {
	run := fmt.Sprintf("%d-%d", time.Now().UnixNano(), seq.Add(1))
	dep := time.Now().UTC().AddDate(0, 0, 2).Truncate(time.Hour)
	mkFlight := func(to string, n int) (*flight.Flight, error) {
		d := dep.Add(time.Duration(n) * time.Minute)
		return a.Flights.Create(ctx, flight.CreateInput{
			DepartureDate: d.Format(flight.DateLayout), DepartureAirportCode: "LGW", DepartureAirportName: "Gatwick",
			DepartureCity: "London", DepartureLocale: "Europe/London",
			ArrivalDate: d.Add(2 * time.Hour).Format(flight.DateLayout), ArrivalAirportCode: to,
			ArrivalAirportName: to + " airport", ArrivalCity: to + " city", ArrivalLocale: "Europe/Madrid",
			TicketPrice: 120, TicketCurrency: "EUR", FlightNumber: 1000 + n, SeatCapacity: 1000,
		}, nil)
	}
	// The search finds 4 flights to MAD (limit 5, as the measurement); the key also
	// holds flights elsewhere, which the key condition skips.
	var flights []*flight.Flight
	for i := range 14 {
		to := "MAD"
		if i >= 4 {
			to = "BCN"
		}
		f, err := mkFlight(to, i)
		if err != nil {
			return nil, fmt.Errorf("seed flight: %w", err)
		}
		flights = append(flights, f)
	}
	signUp := func(name string) (sub, token string, err error) {
		email := fmt.Sprintf("bench-%s-%s@example.com", name, run)
		const password = "Bench1234!"
		if sub, err = a.Accounts.SignUp(ctx, email, password, name); err != nil {
			return "", "", fmt.Errorf("sign up: %w", err)
		}
		if err = a.Accounts.ConfirmSignUp(ctx, email, ""); err != nil {
			return "", "", fmt.Errorf("confirm: %w", err)
		}
		s, err := a.Accounts.SignIn(ctx, email, password)
		if err != nil {
			return "", "", fmt.Errorf("sign in: %w", err)
		}
		if _, err := a.Users.Me(ctx, user.Caller{ID: sub, Email: email}); err != nil {
			return "", "", fmt.Errorf("profile: %w", err)
		}
		return sub, s.IDToken, nil
	}
	hold := func(sub string, amount int64) (string, error) {
		ch, err := a.Payments.Authorize(ctx, sub, payment.AuthorizeInput{Amount: amount, Currency: "EUR", CardToken: "tok_visa"})
		return ch.ID, err
	}

	fx := &Fixture{}
	// Flight search.
	searchVars := map[string]any{
		"departureAirportCode":            "LGW",
		"arrivalAirportCodeDepartureDate": map[string]any{"beginsWith": map[string]any{"arrivalAirportCode": "MAD", "departureDate": searchDate()}},
		"filter":                          map[string]any{"seatCapacity": map[string]any{"gt": 0}},
		"limit":                           5,
	}
	fx.Workloads = append(fx.Workloads, Workload{Name: Search,
		Skygraph: []Request{gql(searchDoc, searchVars, nil)},
		Floor:    []Request{post("/floor/search", map[string]any{"arrival": "MAD", "date": searchDate()}, nil)},
	})
	// Ten flights by id.
	var q strings.Builder
	ids := make([]string, 10)
	q.WriteString("{")
	for i := range ids {
		ids[i] = flights[i].ID
		fmt.Fprintf(&q, " f%d: getFlight(id: %q) { %s }", i, ids[i], flightFields)
	}
	q.WriteString(" }")
	fx.Workloads = append(fx.Workloads, Workload{Name: Ten,
		Skygraph: []Request{gql(q.String(), nil, nil)},
		Floor:    []Request{post("/floor/flights", map[string]any{"ids": ids}, nil)},
	})
	// A signed-in customer's 50 bookings over 10 flights.
	sub, token, err := signUp("booker")
	if err != nil {
		return nil, err
	}
	for i := range cmp.Or(size.Page, 50) {
		tok, err := hold(sub, 12000)
		if err != nil {
			return nil, fmt.Errorf("seed hold: %w", err)
		}
		if _, err := a.Bookings.Process(ctx, booking.Caller{ID: sub}, booking.CreateInput{PaymentToken: tok, FlightID: flights[i%10].ID}); err != nil {
			return nil, fmt.Errorf("seed booking: %w", err)
		}
	}
	fx.Workloads = append(fx.Workloads, Workload{Name: Bookings,
		Skygraph: []Request{gql(bookingsDoc, nil, map[string]string{"Authorization": token})},
		Floor:    []Request{post("/floor/bookings", nil, map[string]string{"X-Customer": sub})},
	})
	// processBooking: customers take turns (so loyalty totals rarely contend), each request
	// with its own hold; the skygraph and floor requests use separate holds.
	customers := cmp.Or(size.Customers, 16)
	type cust struct{ sub, token string }
	cs := make([]cust, customers)
	for i := range cs {
		if cs[i].sub, cs[i].token, err = signUp(fmt.Sprintf("p%02d", i)); err != nil {
			return nil, err
		}
	}
	pw := Workload{Name: Process, Consumed: true}
	pw.Skygraph = make([]Request, size.Bookings)
	pw.Floor = make([]Request, size.Bookings)
	// Holds are independent: place them a few at a time (seeding thousands one by one takes
	// minutes on a shared machine).
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		ferr error
		sem  = make(chan struct{}, 8)
	)
	for i := range size.Bookings {
		c := cs[i%customers]
		f := flights[4+i%10].ID // 10 flights × 1000 seats
		for _, side := range []string{"skygraph", "floor"} {
			if size.Only != "" && size.Only != side {
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				tok, err := hold(c.sub, 12000)
				if err != nil {
					mu.Lock()
					ferr = cmp.Or(ferr, fmt.Errorf("seed hold: %w", err))
					mu.Unlock()
					return
				}
				if side == "skygraph" {
					pw.Skygraph[i] = gql(processDoc, map[string]any{"in": map[string]any{"paymentToken": tok, "bookingOutboundFlightId": f}},
						map[string]string{"Authorization": c.token})
				} else {
					pw.Floor[i] = post("/floor/process", map[string]any{"paymentToken": tok, "flightId": f}, map[string]string{"X-Customer": c.sub})
				}
			}()
		}
	}
	wg.Wait()
	if ferr != nil {
		return nil, ferr
	}
	fx.Workloads = append(fx.Workloads, pw)
	// A profile with its orders (3 lines each) and their products.
	osub, otoken, err := signUp("shopper")
	if err != nil {
		return nil, err
	}
	var ps []*product.Product
	for i := range 3 {
		p, err := a.Products.Create(ctx, product.CreateInput{SKU: fmt.Sprintf("B-%s-%d", run, i), Name: fmt.Sprintf("Bench product %d", i), Price: 100 * (i + 1), Currency: "EUR", Stock: 100000})
		if err != nil {
			return nil, fmt.Errorf("seed product: %w", err)
		}
		ps = append(ps, p)
	}
	for range size.Orders {
		tok, err := hold(osub, 600)
		if err != nil {
			return nil, fmt.Errorf("seed hold: %w", err)
		}
		if _, err := a.Orders.Place(ctx, order.Caller{ID: osub}, order.PlaceInput{PaymentToken: tok, Items: []*order.LineInput{
			{ProductID: ps[0].ID, Quantity: 1}, {ProductID: ps[1].ID, Quantity: 1}, {ProductID: ps[2].ID, Quantity: 1},
		}}); err != nil {
			return nil, fmt.Errorf("seed order: %w", err)
		}
	}
	fx.Workloads = append(fx.Workloads, Workload{Name: Orders,
		Skygraph: []Request{gql(ordersDoc, nil, map[string]string{"Authorization": otoken})},
		Floor:    []Request{post("/floor/orders", nil, map[string]string{"X-Customer": osub})},
	})
	// A restaurant owner's waitlist with its parties in line (walk-ins).
	wsub, _, err := signUp("owner")
	if err != nil {
		return nil, err
	}
	if err := a.Accounts.AddUserToGroup(ctx, true, wsub, account.GroupRestaurantOwner); err != nil {
		return nil, fmt.Errorf("seed owner group: %w", err)
	}
	wsession, err := a.Accounts.SignIn(ctx, fmt.Sprintf("bench-owner-%s@example.com", run), "Bench1234!")
	if err != nil {
		return nil, fmt.Errorf("seed owner sign-in: %w", err)
	}
	owner := waitlist.Caller{ID: wsub, Owner: true}
	name, open := "Bench bistro "+run, true
	wl, err := a.Waitlists.CreateWaitlist(ctx, owner, waitlist.WaitlistInput{Name: &name, IsOpen: &open})
	if err != nil {
		return nil, fmt.Errorf("seed waitlist: %w", err)
	}
	for i := range waitlistParties {
		if _, err := a.Waitlists.AddWaitee(ctx, owner, wl.ID, waitlist.WaiteeInput{
			Name: fmt.Sprintf("Party %d", i), Phone: fmt.Sprintf("+4420790%05d", i), PartySize: 1 + i%6,
		}); err != nil {
			return nil, fmt.Errorf("seed waitee: %w", err)
		}
	}
	fx.Workloads = append(fx.Workloads, Workload{Name: Waitlist,
		Skygraph: []Request{gql(waitlistDoc, map[string]any{"id": wl.ID}, map[string]string{"Authorization": wsession.IDToken})},
		Floor:    []Request{post("/floor/waitlist", map[string]any{"id": wl.ID}, map[string]string{"X-Customer": wsub})},
	})
	return fx, nil
}

func gql(doc string, vars map[string]any, h map[string]string) Request {
	return post("/graphql", map[string]any{"query": doc, "variables": vars}, h)
}

func post(path string, body any, h map[string]string) Request {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	hh := map[string]string{"Content-Type": "application/json"}
	for k, v := range h {
		hh[k] = v
	}
	return Request{Path: path, Body: b, Header: hh}
}

// The floor's JSON: the same field names and values as skygraph's answers.
type flightJSON struct {
	ID                   string `json:"id"`
	DepartureDate        string `json:"departureDate"`
	DepartureAirportCode string `json:"departureAirportCode"`
	DepartureAirportName string `json:"departureAirportName"`
	DepartureCity        string `json:"departureCity"`
	DepartureLocale      string `json:"departureLocale"`
	ArrivalDate          string `json:"arrivalDate"`
	ArrivalAirportCode   string `json:"arrivalAirportCode"`
	ArrivalAirportName   string `json:"arrivalAirportName"`
	ArrivalCity          string `json:"arrivalCity"`
	ArrivalLocale        string `json:"arrivalLocale"`
	TicketPrice          int    `json:"ticketPrice"`
	TicketCurrency       string `json:"ticketCurrency"`
	FlightNumber         int    `json:"flightNumber"`
	SeatCapacity         int    `json:"seatCapacity"`
}

func flightOf(f *flight.Flight) *flightJSON {
	if f == nil {
		return nil
	}
	return &flightJSON{ID: f.ID, DepartureDate: f.DepartureDate, DepartureAirportCode: f.DepartureAirportCode,
		DepartureAirportName: f.DepartureAirportName, DepartureCity: f.DepartureCity, DepartureLocale: f.DepartureLocale,
		ArrivalDate: f.ArrivalDate, ArrivalAirportCode: f.ArrivalAirportCode, ArrivalAirportName: f.ArrivalAirportName,
		ArrivalCity: f.ArrivalCity, ArrivalLocale: f.ArrivalLocale, TicketPrice: f.TicketPrice, TicketCurrency: f.TicketCurrency,
		FlightNumber: f.FlightNumber, SeatCapacity: f.SeatCapacity}
}

type shortFlightJSON struct {
	ID                   string `json:"id"`
	DepartureDate        string `json:"departureDate"`
	DepartureAirportCode string `json:"departureAirportCode"`
	ArrivalAirportCode   string `json:"arrivalAirportCode"`
	FlightNumber         int    `json:"flightNumber"`
}

type bookingJSON struct {
	ID               string           `json:"id"`
	Status           string           `json:"status"`
	BookingReference *string          `json:"bookingReference"`
	OutboundFlight   *shortFlightJSON `json:"outboundFlight,omitempty"`
}

type productJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Price int    `json:"price"`
}

type lineJSON struct {
	Quantity int          `json:"quantity"`
	Product  *productJSON `json:"product"`
}

type orderJSON struct {
	ID    string     `json:"id"`
	Total int        `json:"total"`
	Items []lineJSON `json:"items"`
}

// Handler serves the floor's endpoints over a's store: POST /floor/{search,flights,bookings,
// process,orders}. The caller's id comes from X-Customer (no authentication: this is the floor).
// Like skygraph's access log, it sums each request's consumed capacity (dynamo.WithCapacity),
// so both send the same DynamoDB requests (ReturnConsumedCapacity included) and pay the same
// for the accounting.
func Handler(a *app.App) http.Handler {
	h := handler(a)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, _ := dynamo.WithCapacity(r.Context())
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

func handler(a *app.App) http.Handler {
	mux := http.NewServeMux()
	flights := a.Store.Flights()
	bookings := a.Store.Bookings()
	orders := a.Store.Orders()
	products := a.Store.Products()
	users := a.Store.Users()
	zero := 0
	mux.HandleFunc("POST /floor/search", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Arrival, Date string }
		if !decode(w, r, &in) {
			return
		}
		p, err := flights.Search(r.Context(), flight.ScheduleQuery{DepartureAirportCode: "LGW",
			Key:    &flight.ScheduleCondition{BeginsWith: &flight.ScheduleKey{ArrivalAirportCode: &in.Arrival, DepartureDate: &in.Date}},
			Filter: &flight.Filter{SeatCapacity: &filter.IntInput{Gt: &zero}}, Limit: 5})
		if fail(w, err) {
			return
		}
		items := make([]*flightJSON, len(p.Items))
		for i, f := range p.Items {
			items[i] = flightOf(f)
		}
		var next *string
		if p.NextToken != "" {
			next = &p.NextToken
		}
		reply(w, map[string]any{"getFlightBySchedule": map[string]any{"items": items, "nextToken": next}})
	})
	mux.HandleFunc("POST /floor/flights", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ IDs []string }
		if !decode(w, r, &in) {
			return
		}
		got, err := flights.GetMany(r.Context(), in.IDs)
		if fail(w, err) {
			return
		}
		out := make(map[string]*flightJSON, len(in.IDs))
		for i, id := range in.IDs {
			out[fmt.Sprintf("f%d", i)] = flightOf(got[id])
		}
		reply(w, out)
	})
	mux.HandleFunc("POST /floor/bookings", func(w http.ResponseWriter, r *http.Request) {
		p, err := bookings.ByCustomer(r.Context(), booking.CustomerQuery{Customer: r.Header.Get("X-Customer"), Limit: 50})
		if fail(w, err) {
			return
		}
		var ids []string
		for _, b := range p.Items {
			if !slices.Contains(ids, b.FlightID) {
				ids = append(ids, b.FlightID)
			}
		}
		fs, err := flights.GetMany(r.Context(), ids)
		if fail(w, err) {
			return
		}
		items := make([]bookingJSON, len(p.Items))
		for i, b := range p.Items {
			items[i] = bookingJSON{ID: b.ID, Status: string(b.Status), BookingReference: strOrNil(b.BookingReference)}
			if f := fs[b.FlightID]; f != nil {
				items[i].OutboundFlight = &shortFlightJSON{ID: f.ID, DepartureDate: f.DepartureDate,
					DepartureAirportCode: f.DepartureAirportCode, ArrivalAirportCode: f.ArrivalAirportCode, FlightNumber: f.FlightNumber}
			}
		}
		reply(w, map[string]any{"getBookingByStatus": map[string]any{"items": items}})
	})
	mux.HandleFunc("POST /floor/process", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ PaymentToken, FlightID string }
		if !decode(w, r, &in) {
			return
		}
		sub := r.Header.Get("X-Customer")
		// The same reads as skygraph's: the caller's profile alongside the charge and flight.
		b, err := a.Bookings.Process(r.Context(), booking.Caller{ID: sub},
			booking.CreateInput{PaymentToken: in.PaymentToken, FlightID: in.FlightID, Eligible: func(ctx context.Context) error {
				_, err := users.Get(ctx, sub)
				return err
			}})
		if fail(w, err) {
			return
		}
		reply(w, map[string]any{"processBooking": bookingJSON{ID: b.ID, Status: string(b.Status), BookingReference: strOrNil(b.BookingReference)}})
	})
	mux.HandleFunc("POST /floor/orders", func(w http.ResponseWriter, r *http.Request) {
		sub := r.Header.Get("X-Customer")
		u, err := users.Get(r.Context(), sub)
		if fail(w, err) {
			return
		}
		p, err := orders.ByCustomer(r.Context(), order.CustomerQuery{Customer: sub, Limit: 20})
		if fail(w, err) {
			return
		}
		var ids []string
		for _, o := range p.Items {
			for _, l := range o.Lines {
				if !slices.Contains(ids, l.ProductID) {
					ids = append(ids, l.ProductID)
				}
			}
		}
		prods, err := products.GetMany(r.Context(), ids)
		if fail(w, err) {
			return
		}
		items := make([]orderJSON, len(p.Items))
		for i, o := range p.Items {
			items[i] = orderJSON{ID: o.ID, Total: o.Total, Items: make([]lineJSON, len(o.Lines))}
			for j, l := range o.Lines {
				items[i].Items[j].Quantity = l.Quantity
				if pr := prods[l.ProductID]; pr != nil {
					items[i].Items[j].Product = &productJSON{ID: pr.ID, Name: pr.Name, Price: pr.Price}
				}
			}
		}
		reply(w, map[string]any{"me": map[string]any{"id": u.ID, "name": u.Name, "orders": map[string]any{"items": items}}})
	})
	mux.HandleFunc("POST /floor/waitlist", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ ID string }
		if !decode(w, r, &in) {
			return
		}
		// The same reads as skygraph's: the waitlist, a page of its entries, and the one
		// read of its places in line that answers waitingCount and every position.
		c := waitlist.Caller{ID: r.Header.Get("X-Customer"), Owner: true}
		wl, err := a.Waitlists.GetWaitlist(r.Context(), c, in.ID)
		if fail(w, err) {
			return
		}
		limit := 50
		p, err := a.Waitlists.Entries(r.Context(), c, wl, nil, &limit, nil)
		if fail(w, err) {
			return
		}
		inLine, err := a.Waitlists.InLine(r.Context(), wl.ID)
		if fail(w, err) {
			return
		}
		items := make([]entryJSON, len(p.Items))
		for i, e := range p.Items {
			st := a.Waitlists.StatusOf(e)
			items[i] = entryJSON{ID: e.ID, Name: e.Name, PartySize: e.PartySize, Status: string(st)}
			if pos := waitlist.Position(inLine, e); st.InLine() && pos > 0 {
				items[i].Position = &pos
			}
		}
		reply(w, map[string]any{"getWaitlist": map[string]any{"id": wl.ID, "name": wl.Name, "isOpen": wl.IsOpen,
			"waitingCount": len(inLine), "estimatedWaitMinutes": waitlist.EstimatedWaitMinutes(len(inLine)),
			"entries": map[string]any{"items": items}}})
	})
	return mux
}

// entryJSON is a waitlist dashboard's party.
type entryJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	PartySize int    `json:"partySize"`
	Status    string `json:"status"`
	Position  *int   `json:"position"`
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func fail(w http.ResponseWriter, err error) bool {
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return true
	}
	return false
}

func reply(w http.ResponseWriter, data any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
}
