package waitlist

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

// Config tunes a Service. Zero values take the defaults.
type Config struct {
	// Now is the clock (default time.Now). Tests move it instead of sleeping.
	Now func() time.Time
	// NewID makes waitlist and entry ids (default UUIDv7: unique across waitlists, and
	// time-ordered, so listings by id sort by age).
	NewID func() string
	// NewClaim makes claim tokens (default 128 random bits).
	NewClaim func() string
	// Queue takes the notifications (required for Produce and NotifyWaitee).
	Queue Queue
	// Notifier delivers them (required for Deliver).
	Notifier Notifier
	// Events is told of every change (default NoEvents).
	Events Events
	// Log receives what the producer and consumer did and the failures they absorbed
	// (default slog.Default()).
	Log *slog.Logger
	// Retries bounds the re-reads after a transition lost a race (default 3).
	Retries int
}

// Service is the waitlist use cases: owners' lists and waitees, customers joining and
// leaving, and the notification producer and consumer.
type Service struct {
	repo Repository
	cfg  Config
}

// NewService returns a Service over repo.
func NewService(repo Repository, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = func() string { return uuid.Must(uuid.NewV7()).String() }
	}
	if cfg.NewClaim == nil {
		cfg.NewClaim = rand.Text
	}
	if cfg.Events == nil {
		cfg.Events = NoEvents{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 3
	}
	return &Service{repo: repo, cfg: cfg}
}

// Caller is who asks: the signed-in user's id (Cognito sub), and whether they are an
// Admin or a RestaurantOwner.
type Caller struct {
	ID    string
	Admin bool
	Owner bool
}

// manages reports whether c may manage w: its owner, or an Admin.
func (c Caller) manages(w *Waitlist) bool { return c.Admin || (c.ID != "" && c.ID == w.Owner) }

func waitlistNotFound(id string) error {
	return apperr.New(apperr.NotFound, "waitlist %s not found", id)
}

func entryNotFound(id string) error {
	return apperr.New(apperr.NotFound, "waitlist entry %s not found", id)
}

// WaitlistInput is createWaitlist's and updateWaitlist's input; nil fields are left as
// they are (create: name is required, isOpen defaults to true).
type WaitlistInput struct {
	Name        *string
	Description *string
	IsOpen      *bool
}

func (in WaitlistInput) apply(w *Waitlist) error {
	if in.Name != nil {
		w.Name = *in.Name
		if err := text("name", &w.Name, maxName, true); err != nil {
			return err
		}
	}
	if in.Description != nil {
		w.Description = *in.Description
		if err := text("description", &w.Description, maxDescription, false); err != nil {
			return err
		}
	}
	if in.IsOpen != nil {
		w.IsOpen = *in.IsOpen
	}
	return nil
}

// CreateWaitlist is createWaitlist: a RestaurantOwner (or Admin) opens a list they own.
func (s *Service) CreateWaitlist(ctx context.Context, c Caller, in WaitlistInput) (*Waitlist, error) {
	if c.ID == "" || !(c.Owner || c.Admin) {
		return nil, apperr.New(apperr.Unauthorized, "only a RestaurantOwner or an Admin can create a waitlist")
	}
	if in.Name == nil {
		return nil, apperr.New(apperr.BadRequest, "name: required")
	}
	now := s.cfg.Now()
	w := &Waitlist{ID: s.cfg.NewID(), Owner: c.ID, IsOpen: true, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := in.apply(w); err != nil {
		return nil, err
	}
	if err := s.repo.CreateWaitlist(ctx, w); err != nil {
		return nil, err
	}
	s.cfg.Events.WaitlistChanged(ctx, w, false)
	return w, nil
}

// GetWaitlist is getWaitlist: its owner and Admins see it; any other signed-in user only
// while it is open. Anything else is NotFound, like a missing one, so ids cannot be probed.
func (s *Service) GetWaitlist(ctx context.Context, c Caller, id string) (*Waitlist, error) {
	if err := ValidateID("id", id); err != nil {
		return nil, err
	}
	if c.ID == "" {
		return nil, apperr.New(apperr.Unauthorized, "sign in to see waitlists")
	}
	w, err := s.repo.GetWaitlist(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.manages(w) && !w.IsOpen {
		return nil, waitlistNotFound(id)
	}
	return w, nil
}

// managed returns the waitlist c manages, NotFound otherwise.
func (s *Service) managed(ctx context.Context, c Caller, id string) (*Waitlist, error) {
	if err := ValidateID("waitlistId", id); err != nil {
		return nil, err
	}
	w, err := s.repo.GetWaitlist(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.manages(w) {
		return nil, waitlistNotFound(id)
	}
	return w, nil
}

// UpdateWaitlist is updateWaitlist: compare-and-set on expectedVersion when given (a
// stale one is a Conflict); an unknown id is NotFound, never created.
func (s *Service) UpdateWaitlist(ctx context.Context, c Caller, id string, in WaitlistInput, expectedVersion *int) (*Waitlist, error) {
	for attempt := 0; ; attempt++ {
		w, err := s.managed(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if expectedVersion != nil && int64(*expectedVersion) != w.Version {
			return nil, apperr.New(apperr.Conflict, "waitlist %s is at version %d, not %d", id, w.Version, *expectedVersion)
		}
		next := *w
		if err := in.apply(&next); err != nil {
			return nil, err
		}
		next.UpdatedAt, next.Version = s.cfg.Now(), w.Version+1
		out, err := s.repo.UpdateWaitlist(ctx, w, &next)
		if apperr.Is(err, apperr.Conflict) && expectedVersion == nil && attempt < s.cfg.Retries {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.cfg.Events.WaitlistChanged(ctx, out, false)
		return out, nil
	}
}

// DeleteWaitlist is deleteWaitlist: the list and its entries go; none of them is notified
// afterwards, also when its notification is already queued (the consumer's write needs
// the waitlist). It returns the deleted waitlist.
func (s *Service) DeleteWaitlist(ctx context.Context, c Caller, id string) (*Waitlist, error) {
	for attempt := 0; ; attempt++ {
		w, err := s.managed(ctx, c, id)
		if err != nil {
			return nil, err
		}
		err = s.repo.DeleteWaitlist(ctx, w)
		if apperr.Is(err, apperr.Conflict) && attempt < s.cfg.Retries {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.cfg.Events.WaitlistChanged(ctx, w, true)
		return w, nil
	}
}

// ListWaitlists is listWaitlists. With a namePrefix: the open waitlists whose name starts
// with it, for any signed-in user. Without: an Admin's are all, a RestaurantOwner's their
// own, anyone else's the open ones.
func (s *Service) ListWaitlists(ctx context.Context, c Caller, namePrefix *string, limit *int, nextToken *string) (WaitlistPage, error) {
	if c.ID == "" {
		return WaitlistPage{}, apperr.New(apperr.Unauthorized, "sign in to see waitlists")
	}
	n, err := filter.Limit(limit, DefaultLimit, MaxLimit)
	if err != nil {
		return WaitlistPage{}, err
	}
	q := WaitlistQuery{Limit: n, NextToken: deref(nextToken)}
	switch {
	case namePrefix != nil:
		q.OpenOnly, q.NamePrefix = true, *namePrefix
		if err := text("namePrefix", &q.NamePrefix, maxName, false); err != nil {
			return WaitlistPage{}, err
		}
	case c.Admin:
	case c.Owner:
		q.Owner = c.ID
	default:
		q.OpenOnly = true
	}
	return s.repo.ListWaitlists(ctx, q)
}

// Entries is Waitlist.entries: its owner and Admins only (anyone else: NotFound).
func (s *Service) Entries(ctx context.Context, c Caller, w *Waitlist, status *Status, limit *int, nextToken *string) (EntryPage, error) {
	if !c.manages(w) {
		return EntryPage{}, waitlistNotFound(w.ID)
	}
	n, err := filter.Limit(limit, DefaultLimit, MaxLimit)
	if err != nil {
		return EntryPage{}, err
	}
	q := EntryQuery{WaitlistID: w.ID, Limit: n, NextToken: deref(nextToken)}
	if status != nil {
		if *status == Expired {
			return EntryPage{}, apperr.New(apperr.BadRequest, "status: EXPIRED entries are not listed (they are deleted within a day)")
		}
		q.Status = *status
	}
	return s.repo.Entries(ctx, q)
}

// MyEntries is myWaitlistEntries: the caller's own entries, newest first.
func (s *Service) MyEntries(ctx context.Context, c Caller, limit *int, nextToken *string) (EntryPage, error) {
	if c.ID == "" {
		return EntryPage{}, apperr.New(apperr.Unauthorized, "sign in to see your waitlist entries")
	}
	n, err := filter.Limit(limit, DefaultLimit, MaxLimit)
	if err != nil {
		return EntryPage{}, err
	}
	return s.repo.CustomerEntries(ctx, c.ID, n, deref(nextToken))
}

// InLine returns the Seqs of a waitlist's entries in line now, ascending: one strongly
// consistent read that answers waitingCount and every entry's position (see Position).
func (s *Service) InLine(ctx context.Context, waitlistID string) ([]int64, error) {
	return s.repo.InLine(ctx, waitlistID, s.cfg.Now())
}

// Position is e's place in line given the waitlist's InLine Seqs: 1 + the entries in line
// ahead of it; 0 when e is not in line.
func Position(inLine []int64, e *Entry) int {
	i := sort.Search(len(inLine), func(i int) bool { return inLine[i] >= e.Seq })
	if i == len(inLine) || inLine[i] != e.Seq {
		return 0
	}
	return i + 1
}

// EstimatedWaitMinutes is the waitlist's estimate for a party joining now.
func EstimatedWaitMinutes(waiting int) int { return waiting * MinutesPerParty }

// WaitlistOfEntry is WaitlistEntry.waitlist: the entry was already authorized for the
// caller (its customer, the waitlist's owner or an Admin), so its waitlist is shown even
// when closed.
func (s *Service) WaitlistOfEntry(ctx context.Context, c Caller, e *Entry) (*Waitlist, error) {
	return s.WaitlistOfEntryWith(ctx, c, e, s.repo.GetWaitlist)
}

// WaitlistOfEntryWith is WaitlistOfEntry reading the waitlist through get (the operation's
// loader: a page of entries reads its waitlists in one batch). The check on the caller is
// made before anything is read.
func (s *Service) WaitlistOfEntryWith(ctx context.Context, c Caller, e *Entry, get func(ctx context.Context, id string) (*Waitlist, error)) (*Waitlist, error) {
	if !(c.Admin || (c.ID != "" && (c.ID == e.Customer || c.ID == e.WaitlistOwner))) {
		return nil, entryNotFound(e.ID)
	}
	return get(ctx, e.WaitlistID)
}

// GetWaitlists reads waitlists by id in one batch, with no check on the caller: it is the
// loader's source, and WaitlistOfEntryWith decides what is shown.
func (s *Service) GetWaitlists(ctx context.Context, ids []string) (map[string]*Waitlist, error) {
	return s.repo.GetWaitlists(ctx, ids)
}

// WaiteeInput is addWaitee's and joinWaitlist's input.
type WaiteeInput struct {
	Name      string
	Phone     string
	PartySize int
	// NotifyInMinutes schedules the notification: notifyAt = now + it. Nil: none (the
	// owner notifies with notifyWaitee). Below Lead, the party is notified at once.
	NotifyInMinutes *int
	Notes           *string
}

func notifyAt(now time.Time, minutes int) (time.Time, time.Time, error) {
	if minutes < 0 || minutes > MaxNotifyMinute {
		return time.Time{}, time.Time{}, apperr.New(apperr.BadRequest, "notifyInMinutes: must be between 0 and %d", MaxNotifyMinute)
	}
	at := now.Add(time.Duration(minutes) * time.Minute)
	return at, at.Add(-Lead), nil
}

// AddWaitee is addWaitee: the owner puts a walk-in party on their list.
func (s *Service) AddWaitee(ctx context.Context, c Caller, waitlistID string, in WaiteeInput) (*Entry, error) {
	w, err := s.managed(ctx, c, waitlistID)
	if err != nil {
		return nil, err
	}
	return s.add(ctx, w, "", in, false)
}

// JoinWaitlist is joinWaitlist: a signed-in customer puts themselves on an open list.
// One entry in line per customer per waitlist: joining again returns that entry.
func (s *Service) JoinWaitlist(ctx context.Context, c Caller, waitlistID string, in WaiteeInput) (*Entry, error) {
	if c.ID == "" {
		return nil, apperr.New(apperr.Unauthorized, "sign in to join a waitlist")
	}
	if err := ValidateID("waitlistId", waitlistID); err != nil {
		return nil, err
	}
	w, err := s.repo.GetWaitlist(ctx, waitlistID)
	if err != nil {
		return nil, err
	}
	if !w.IsOpen && !c.manages(w) {
		return nil, waitlistNotFound(waitlistID)
	}
	return s.add(ctx, w, c.ID, in, true)
}

func (s *Service) add(ctx context.Context, w *Waitlist, customer string, in WaiteeInput, requireOpen bool) (*Entry, error) {
	now := s.cfg.Now()
	e := &Entry{
		ID: s.cfg.NewID(), WaitlistID: w.ID, WaitlistOwner: w.Owner, Customer: customer,
		Name: in.Name, PartySize: in.PartySize, Status: Waiting,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(TTL), Version: 1,
	}
	if err := text("name", &e.Name, maxName, true); err != nil {
		return nil, err
	}
	var err error
	if e.Phone, err = normalizePhone(in.Phone); err != nil {
		return nil, err
	}
	if in.PartySize < 1 || in.PartySize > MaxPartySize {
		return nil, apperr.New(apperr.BadRequest, "partySize: must be between 1 and %d", MaxPartySize)
	}
	if in.Notes != nil {
		e.Notes = *in.Notes
		if err := text("notes", &e.Notes, maxNotes, false); err != nil {
			return nil, err
		}
	}
	if in.NotifyInMinutes != nil {
		if e.NotifyAt, e.DueAt, err = notifyAt(now, *in.NotifyInMinutes); err != nil {
			return nil, err
		}
	}
	if e.Seq, err = s.repo.NextSeq(ctx, w.ID); err != nil {
		return nil, err
	}
	existing, err := s.repo.AddEntry(ctx, e, requireOpen)
	if err != nil {
		return nil, err
	}
	if existing != "" {
		return s.repo.GetEntry(ctx, existing)
	}
	s.cfg.Events.EntryChanged(ctx, e)
	return e, nil
}

// WaiteeUpdate is updateWaitee's input; nil fields are left as they are.
type WaiteeUpdate struct {
	Name            *string
	Phone           *string
	PartySize       *int
	NotifyInMinutes *int
	Notes           *string
}

// role says who may make a transition: the waitlist's owner (or an Admin), or the
// entry's customer.
type role int

const (
	byOwner role = iota
	byCustomer
)

// entryFor reads an entry the caller may act on in role r, with its waitlist. Anything
// else — another owner's entry, another customer's, an entry of a deleted waitlist — is
// NotFound.
func (s *Service) entryFor(ctx context.Context, c Caller, id string, r role) (*Entry, error) {
	if err := ValidateID("id", id); err != nil {
		return nil, err
	}
	if c.ID == "" {
		return nil, apperr.New(apperr.Unauthorized, "sign in to change a waitlist entry")
	}
	e, err := s.repo.GetEntry(ctx, id)
	if err != nil {
		return nil, err
	}
	allowed := c.Admin || (r == byOwner && c.ID == e.WaitlistOwner) || (r == byCustomer && c.ID == e.Customer)
	if !allowed {
		return nil, entryNotFound(id)
	}
	if _, err := s.repo.GetWaitlist(ctx, e.WaitlistID); apperr.Is(err, apperr.NotFound) {
		return nil, entryNotFound(id)
	} else if err != nil {
		return nil, err
	}
	return e, nil
}

// change is one decision on an entry: it returns the next state, or an error that
// refuses the transition (BadRequest, Conflict).
type change func(now time.Time, e *Entry) (*Entry, error)

// transition reads the entry, decides with ch and stores the result conditional on the
// version read: compare-and-set. When it loses to a concurrent write it decides again on
// what is stored (so a double seat finds the entry SEATED and is refused), unless the
// caller named the version it expects.
func (s *Service) transition(ctx context.Context, c Caller, id string, r role, expectedVersion *int, ch change) (*Entry, error) {
	for attempt := 0; ; attempt++ {
		e, err := s.entryFor(ctx, c, id, r)
		if err != nil {
			return nil, err
		}
		if expectedVersion != nil && int64(*expectedVersion) != e.Version {
			return nil, apperr.New(apperr.Conflict, "waitlist entry %s is at version %d, not %d", id, e.Version, *expectedVersion)
		}
		now := s.cfg.Now()
		next, err := ch(now, e)
		if err != nil {
			return nil, err
		}
		next.UpdatedAt, next.Version = now, e.Version+1
		out, err := s.repo.SaveEntry(ctx, e, next)
		if apperr.Is(err, apperr.Conflict) && expectedVersion == nil && attempt < s.cfg.Retries {
			continue
		}
		if apperr.Is(err, apperr.NotFound) {
			return nil, entryNotFound(id) // the waitlist was deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		s.cfg.Events.EntryChanged(ctx, out)
		return out, nil
	}
}

func refuse(e *Entry, now time.Time, action string) error {
	return apperr.New(apperr.Conflict, "waitlist entry %s is %s: it cannot be %s", e.ID, e.StatusAt(now), action)
}

// UpdateWaitee is updateWaitee: the owner edits a party in line. A new notifyInMinutes
// reschedules the notification, unless one is already queued (Conflict).
func (s *Service) UpdateWaitee(ctx context.Context, c Caller, id string, in WaiteeUpdate, expectedVersion *int) (*Entry, error) {
	return s.transition(ctx, c, id, byOwner, expectedVersion, func(now time.Time, e *Entry) (*Entry, error) {
		if !e.InLineAt(now) {
			return nil, refuse(e, now, "updated")
		}
		next := *e
		if in.Name != nil {
			next.Name = *in.Name
			if err := text("name", &next.Name, maxName, true); err != nil {
				return nil, err
			}
		}
		if in.Phone != nil {
			p, err := normalizePhone(*in.Phone)
			if err != nil {
				return nil, err
			}
			next.Phone = p
		}
		if in.PartySize != nil {
			if *in.PartySize < 1 || *in.PartySize > MaxPartySize {
				return nil, apperr.New(apperr.BadRequest, "partySize: must be between 1 and %d", MaxPartySize)
			}
			next.PartySize = *in.PartySize
		}
		if in.Notes != nil {
			next.Notes = *in.Notes
			if err := text("notes", &next.Notes, maxNotes, false); err != nil {
				return nil, err
			}
		}
		if in.NotifyInMinutes != nil {
			if e.Status != Waiting || e.Claim != "" {
				return nil, apperr.New(apperr.Conflict, "waitlist entry %s: its notification is already queued or sent", e.ID)
			}
			var err error
			if next.NotifyAt, next.DueAt, err = notifyAt(now, *in.NotifyInMinutes); err != nil {
				return nil, err
			}
		}
		return &next, nil
	})
}

func terminal(e *Entry, now time.Time, st Status) *Entry {
	next := *e
	next.Status, next.DueAt, next.Claim = st, time.Time{}, ""
	if st == Seated {
		next.SeatedAt = now
	}
	return &next
}

// RemoveWaitee is removeWaitee: the owner takes a party off the list. It is never
// notified afterwards, also when its notification is already queued.
func (s *Service) RemoveWaitee(ctx context.Context, c Caller, id string) (*Entry, error) {
	return s.transition(ctx, c, id, byOwner, nil, func(now time.Time, e *Entry) (*Entry, error) {
		if !e.InLineAt(now) {
			return nil, refuse(e, now, "removed")
		}
		return terminal(e, now, Removed), nil
	})
}

// LeaveWaitlist is leaveWaitlist: a customer takes themselves off a list.
func (s *Service) LeaveWaitlist(ctx context.Context, c Caller, id string) (*Entry, error) {
	return s.transition(ctx, c, id, byCustomer, nil, func(now time.Time, e *Entry) (*Entry, error) {
		if !e.InLineAt(now) {
			return nil, refuse(e, now, "left")
		}
		return terminal(e, now, Removed), nil
	})
}

// SeatWaitee is seatWaitee: WAITING or NOTIFIED → SEATED, once.
func (s *Service) SeatWaitee(ctx context.Context, c Caller, id string) (*Entry, error) {
	return s.transition(ctx, c, id, byOwner, nil, func(now time.Time, e *Entry) (*Entry, error) {
		if !e.InLineAt(now) {
			return nil, refuse(e, now, "seated")
		}
		return terminal(e, now, Seated), nil
	})
}

// NotifyWaitee is notifyWaitee: the owner has the party notified now. The entry is
// claimed and its notification enqueued at once; the consumer marks it NOTIFIED. A
// second call while that is under way, or after, is a Conflict.
func (s *Service) NotifyWaitee(ctx context.Context, c Caller, id string) (*Entry, error) {
	if s.cfg.Queue == nil {
		return nil, apperr.Errorf("waitlist: no notification queue configured")
	}
	out, err := s.transition(ctx, c, id, byOwner, nil, func(now time.Time, e *Entry) (*Entry, error) {
		if e.StatusAt(now) != Waiting || e.Claim != "" {
			if e.StatusAt(now) == Waiting {
				return nil, apperr.New(apperr.Conflict, "waitlist entry %s is already being notified", e.ID)
			}
			return nil, refuse(e, now, "notified")
		}
		next := s.claimed(e, now)
		next.NotifyAt = now
		return next, nil
	})
	if err != nil {
		return nil, err
	}
	// Enqueue failing leaves the claim in place: a producer claims the entry again when the
	// lease ends, so the party is still notified, a few minutes late.
	if err := s.cfg.Queue.Enqueue(ctx, []Message{{EntryID: out.ID, Claim: out.Claim}}); err != nil {
		s.cfg.Log.WarnContext(ctx, "waitlist notification not enqueued; the producer retries after the claim lease",
			"entry", out.ID, "error", err.Error())
	}
	return out, nil
}

func (s *Service) claimed(e *Entry, now time.Time) *Entry {
	next := *e
	next.Claim, next.DueAt = s.cfg.NewClaim(), now.Add(ClaimLease)
	return &next
}

// ProduceReport says what one producer run did.
type ProduceReport struct {
	// Due is how many due markers were read; Claimed how many entries were claimed and
	// enqueued; Dropped how many markers were stale (entry gone, removed, expired, or
	// its waitlist deleted) and deleted; Lost how many claims lost to another producer.
	Due, Claimed, Dropped, Lost int
}

// produceBatch is how many due markers the producer reads at a time.
const produceBatch = 100

// Produce is the waitlist-notifier job: every WAITING entry due (notifyAt ≤ now + Lead, or
// its claim lease over) is claimed — a conditional write, so of several producers racing
// exactly one claims it — and its notification enqueued. Idempotent, bounded by ctx; a
// failure is returned (the claim leases make the next run retry it).
func (s *Service) Produce(ctx context.Context) (ProduceReport, error) {
	if s.cfg.Queue == nil {
		return ProduceReport{}, apperr.Errorf("waitlist: no notification queue configured")
	}
	var rep ProduceReport
	now := s.cfg.Now()
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		due, err := s.repo.Due(ctx, now, produceBatch)
		if err != nil {
			return rep, err
		}
		rep.Due += len(due)
		var msgs []Message
		for _, d := range due {
			m, outcome, err := s.claim(ctx, d, now)
			if err != nil {
				return rep, err
			}
			switch outcome {
			case claimedIt:
				rep.Claimed++
				msgs = append(msgs, m)
			case dropped:
				rep.Dropped++
			case lost:
				rep.Lost++
			}
		}
		if len(msgs) > 0 {
			if err := s.cfg.Queue.Enqueue(ctx, msgs); err != nil {
				return rep, fmt.Errorf("enqueue %d waitlist notifications: %w", len(msgs), err)
			}
		}
		// A batch made only of lost races is not progress: another producer is on it.
		if len(due) < produceBatch || rep.Claimed+rep.Dropped == 0 {
			return rep, nil
		}
	}
}

type claimOutcome int

const (
	claimedIt claimOutcome = iota
	dropped
	lost
)

func (s *Service) claim(ctx context.Context, d Due, now time.Time) (Message, claimOutcome, error) {
	e, err := s.repo.GetEntry(ctx, d.EntryID)
	if apperr.Is(err, apperr.NotFound) {
		return Message{}, dropped, s.repo.DeleteDue(ctx, d)
	}
	if err != nil {
		return Message{}, 0, err
	}
	if e.StatusAt(now) != Waiting || !e.DueAt.Equal(d.At) {
		// Removed, seated, notified, expired, or moved to another time: this marker is not
		// the entry's (the entry's own marker, if any, is its current DueAt).
		if e.StatusAt(now) == Expired || !e.DueAt.Equal(d.At) {
			return Message{}, dropped, s.repo.DeleteDue(ctx, d)
		}
		return Message{}, lost, nil
	}
	next := s.claimed(e, now)
	next.UpdatedAt, next.Version = now, e.Version+1
	out, err := s.repo.SaveEntry(ctx, e, next)
	switch {
	case apperr.Is(err, apperr.Conflict):
		return Message{}, lost, nil
	case apperr.Is(err, apperr.NotFound): // its waitlist was deleted
		return Message{}, dropped, s.repo.DeleteDue(ctx, d)
	case err != nil:
		return Message{}, 0, err
	}
	s.cfg.Events.EntryChanged(ctx, out)
	return Message{EntryID: out.ID, Claim: out.Claim}, claimedIt, nil
}

// Deliver is the consumer: it handles one message. The entry becomes NOTIFIED by a write
// conditional on its version, its claim being the message's, it not having expired and
// its waitlist existing; only the caller that wins that write sends the notification. So
// a duplicate or stale message, a removed waitee, an expired entry or a deleted waitlist
// sends nothing. Delivery is at most once: the entry is NOTIFIED before the Notifier is
// called, and a Notifier error (not sent, or outcome unknown) is logged, not retried.
//
// The error is non-nil only when the store could not be read or written: then the
// message should be retried (left on the queue). Otherwise the message is done.
func (s *Service) Deliver(ctx context.Context, m Message) error {
	if s.cfg.Notifier == nil {
		return apperr.Errorf("waitlist: no notifier configured")
	}
	for attempt := 0; ; attempt++ {
		e, err := s.repo.GetEntry(ctx, m.EntryID)
		if apperr.Is(err, apperr.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		now := s.cfg.Now()
		if e.Claim != m.Claim || e.StatusAt(now) != Waiting {
			s.cfg.Log.DebugContext(ctx, "waitlist notification dropped: stale", "entry", e.ID, "status", string(e.StatusAt(now)))
			return nil
		}
		next := *e
		next.Status, next.NotifiedAt, next.DueAt, next.Claim = Notified, now, time.Time{}, ""
		next.UpdatedAt, next.Version = now, e.Version+1
		out, err := s.repo.SaveEntry(ctx, e, &next)
		switch {
		case apperr.Is(err, apperr.Conflict) && attempt < s.cfg.Retries:
			continue // an edit or another consumer: decide again on what is stored
		case apperr.Is(err, apperr.Conflict), apperr.Is(err, apperr.NotFound):
			return nil
		case err != nil:
			return err
		}
		s.cfg.Events.EntryChanged(ctx, out)
		w, err := s.repo.GetWaitlist(ctx, out.WaitlistID)
		name := "the restaurant"
		if err == nil {
			name = w.Name
		}
		n := Notification{
			EntryID: out.ID, WaitlistID: out.WaitlistID, Name: out.Name, Phone: out.Phone,
			Text: fmt.Sprintf("Hi %s, your table for %d at %s will be ready at %s UTC. Please be back by then.",
				out.Name, out.PartySize, name, out.NotifyAt.UTC().Format("15:04")),
		}
		if err := s.cfg.Notifier.Notify(ctx, n); err != nil {
			s.cfg.Log.ErrorContext(ctx, "waitlist notification failed or its outcome is unknown; the entry stays NOTIFIED and is not sent again",
				"entry", out.ID, "waitlist", out.WaitlistID, "error", err.Error())
		}
		return nil
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// StatusOf is the status clients see now (EXPIRED after 24 h in line).
func (s *Service) StatusOf(e *Entry) Status { return e.StatusAt(s.cfg.Now()) }

// Consume is the server-mode consumer: it polls inbox until ctx ends, delivering each
// message (Deliver) and acknowledging those that are done. A message Deliver could not
// finish stays unacknowledged, so the queue delivers it again after its visibility
// timeout (and SQS moves it to the dead-letter queue after its redrive count). A body
// that is not a message is acknowledged and logged: no retry can fix it.
func (s *Service) Consume(ctx context.Context, inbox Inbox) {
	for ctx.Err() == nil {
		got, err := inbox.Receive(ctx, 10)
		if err != nil {
			if ctx.Err() == nil {
				s.cfg.Log.ErrorContext(ctx, "waitlist queue receive failed", "error", err.Error())
				sleepCtx(ctx, time.Second)
			}
			continue
		}
		var done []string
		for _, r := range got {
			if r.Message.EntryID == "" {
				s.cfg.Log.ErrorContext(ctx, "waitlist queue: dropping a message that is not a notification", "body", fmt.Sprintf("%.64q", r.Body))
				done = append(done, r.Receipt)
				continue
			}
			if err := s.Deliver(ctx, r.Message); err != nil {
				s.cfg.Log.WarnContext(ctx, "waitlist notification not delivered; the queue retries it", "entry", r.Message.EntryID, "error", err.Error())
				continue
			}
			done = append(done, r.Receipt)
		}
		if len(done) > 0 {
			if err := inbox.Ack(ctx, done); err != nil {
				s.cfg.Log.WarnContext(ctx, "waitlist queue ack failed; the messages come back and are dropped as stale", "error", err.Error())
			}
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Entry reads one entry for a subscriber: its customer, the waitlist's owner or an Admin
// (the WaitlistEntry type's read rule); anyone else, and an entry of a deleted waitlist,
// NotFound.
func (s *Service) Entry(ctx context.Context, c Caller, id string) (*Entry, error) {
	if err := ValidateID("id", id); err != nil {
		return nil, err
	}
	if c.ID == "" {
		return nil, apperr.New(apperr.Unauthorized, "sign in to see a waitlist entry")
	}
	e, err := s.repo.GetEntry(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.Sees(e) {
		return nil, entryNotFound(id)
	}
	if _, err := s.repo.GetWaitlist(ctx, e.WaitlistID); apperr.Is(err, apperr.NotFound) {
		return nil, entryNotFound(id)
	} else if err != nil {
		return nil, err
	}
	return e, nil
}

// Sees reports whether c may read e: its customer, the waitlist's owner or an Admin (the
// rule Entry applies; subscriptions read a changed entry once per event, as an Admin, and
// apply it for each subscriber).
func (c Caller) Sees(e *Entry) bool {
	return c.Admin || (c.ID != "" && (c.ID == e.WaitlistOwner || c.ID == e.Customer))
}

// Managed returns the waitlist c manages (its owner, or an Admin); NotFound otherwise
// (the owner dashboard's subscription checks it before it listens).
func (s *Service) Managed(ctx context.Context, c Caller, id string) (*Waitlist, error) {
	return s.managed(ctx, c, id)
}
