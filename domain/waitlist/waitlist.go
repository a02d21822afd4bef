// Package waitlist is restaurant waitlists: lists a RestaurantOwner manages, the parties
// (waitees) on them — walk-ins the owner adds and customers who join themselves — and
// the notification that tells a party its table is nearly ready.
//
// Notifications follow the reference design (research/commerce_waitlist.md C.4) without its
// flaws: a producer (Service.Produce, the waitlist-notifier job, every minute) finds every
// WAITING entry whose notifyAt is at most Lead (15 min) away — a range, so a missed tick
// loses no one — claims each with a conditional write, and enqueues it on the Queue port
// (SQS; an in-process queue in embedded mode). A consumer (Service.Deliver) takes the
// queue, marks the entry NOTIFIED with a conditional write that also requires its
// waitlist to exist and the claim to be the message's, and only the winner of that write
// sends through the Notifier port. So an entry is notified at most once, whatever the
// number of producers, consumers and redeliveries, and never after it was removed or its
// waitlist deleted.
//
// The package knows nothing of GraphQL, DynamoDB, SQS or SNS: it defines the Repository,
// Queue, Notifier and Events ports it needs; adapters implement them.
package waitlist

import (
	"context"
	"encoding/json"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/skygraph/skygraph/internal/apperr"
)

// Status is where an entry is, as clients see it (WaitlistEntryStatus).
type Status string

// The statuses. WAITING and NOTIFIED are "in line": they hold a position and count in
// waitingCount. The others are final.
const (
	Waiting  Status = "WAITING"
	Notified Status = "NOTIFIED"
	Seated   Status = "SEATED"
	Removed  Status = "REMOVED"
	// Expired is never stored: an entry still in line 24 h after it was created reads as
	// EXPIRED (StatusAt) from that instant, before DynamoDB's TTL deletes it, and no
	// transition accepts it any more.
	Expired Status = "EXPIRED"
)

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	switch s {
	case Waiting, Notified, Seated, Removed, Expired:
		return true
	}
	return false
}

// InLine reports whether an entry with this status holds a place in the queue.
func (s Status) InLine() bool { return s == Waiting || s == Notified }

// UnmarshalGQL lets gqlgen bind the WaitlistEntryStatus enum to this type.
func (s *Status) UnmarshalGQL(v any) error {
	str, ok := v.(string)
	if !ok || !Status(str).Valid() {
		return apperr.New(apperr.BadRequest, "invalid WaitlistEntryStatus value %v", v)
	}
	*s = Status(str)
	return nil
}

// MarshalGQL writes the enum value.
func (s Status) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// Timing rules.
const (
	// Lead is how long before notifyAt a party is told: "be back in 15 minutes" (the
	// reference's producer looked 15 minutes ahead).
	Lead = 15 * time.Minute
	// TTL is how long an entry lives: it reads EXPIRED after it, and DynamoDB deletes it.
	TTL = 24 * time.Hour
	// ClaimLease is how long a claimed entry waits for its queued message to be consumed
	// before a producer may claim it again (the enqueue failed, or the message went to the
	// dead-letter queue). A second claim gets a new token, so the first message, should it
	// still arrive, is dropped: the lease can cause a late notification, never a second one.
	ClaimLease = 5 * time.Minute
	// MinutesPerParty is the estimated time a table takes to free up per party in line,
	// for estimatedWaitMinutes.
	MinutesPerParty = 10
)

// Field limits.
const (
	maxName         = 100
	maxDescription  = 500
	maxNotes        = 500
	MaxPartySize    = 50
	MaxNotifyMinute = 24 * 60
	// DefaultLimit and MaxLimit bound a page of waitlists or entries.
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Waitlist is one restaurant's list.
type Waitlist struct {
	ID string
	// Owner is the RestaurantOwner's user id (Cognito sub); it never changes.
	Owner       string
	Name        string
	Description string
	IsOpen      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Version counts the waitlist's edits; updateWaitlist is conditional on it.
	Version int64
}

// Entry is one party on a waitlist.
type Entry struct {
	ID         string
	WaitlistID string
	// WaitlistOwner is the waitlist's owner, copied at creation (owners never change), so
	// the WaitlistEntry type's owner rule can be checked on the entry alone.
	WaitlistOwner string
	// Customer is the user who joined; "" for a walk-in the owner added.
	Customer  string
	Name      string
	Phone     string
	PartySize int
	Notes     string
	// Status is the stored status; StatusAt says EXPIRED once ExpiresAt has passed.
	Status Status
	// Seq orders the entries of a waitlist by arrival; position counts the entries in line
	// with a smaller Seq. Seqs are unique within a waitlist, not contiguous.
	Seq int64
	// NotifyAt is when the party's table should be ready; zero: no automatic notification.
	NotifyAt   time.Time
	NotifiedAt time.Time
	SeatedAt   time.Time
	// DueAt is when a producer should next act on a WAITING entry: NotifyAt − Lead, or the
	// end of the lease of a claim. Zero: nothing to do (the repository keeps a due marker
	// exactly when the entry is WAITING with a DueAt).
	DueAt time.Time
	// Claim is the token of the notification queued for the entry; "" when none is.
	Claim     string
	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt time.Time
	// Version counts the entry's writes; every transition is conditional on it.
	Version int64
}

// StatusAt is the status clients see at now: EXPIRED once an entry still in line has
// outlived its TTL.
func (e *Entry) StatusAt(now time.Time) Status {
	if e.Status.InLine() && !now.Before(e.ExpiresAt) {
		return Expired
	}
	return e.Status
}

// InLineAt reports whether the entry holds a place in the queue at now.
func (e *Entry) InLineAt(now time.Time) bool { return e.StatusAt(now).InLine() }

// Message is one notification on the queue: the entry and the claim it was enqueued
// under. A message whose claim is no longer the entry's is stale and dropped.
type Message struct {
	EntryID string `json:"entryId"`
	Claim   string `json:"claim"`
}

// Encode is the message body on the queue.
func (m Message) Encode() string {
	b, _ := json.Marshal(m)
	return string(b)
}

// DecodeMessage parses a message body. A body that is not a message is a BadRequest:
// retrying it cannot help, so consumers drop it (and log it).
func DecodeMessage(body string) (Message, error) {
	var m Message
	if err := json.Unmarshal([]byte(body), &m); err != nil || m.EntryID == "" || m.Claim == "" {
		return Message{}, apperr.New(apperr.BadRequest, "not a waitlist notification message: %.64q", body)
	}
	return m, nil
}

// Notification is what the Notifier delivers to one party.
type Notification struct {
	EntryID    string
	WaitlistID string
	Name       string
	// Phone is E.164 (AWSPhone).
	Phone string
	// Text is the message for the party.
	Text string
}

// Queue is the notification queue's producing side (SQS; in-process in embedded mode).
// Enqueue stores every message or returns an error; a message it reports stored is
// delivered at least once (consumers tolerate duplicates: see Message).
type Queue interface {
	Enqueue(ctx context.Context, msgs []Message) error
}

// Received is one message taken from the queue, with the receipt that acknowledges it.
type Received struct {
	Message Message
	// Body is the raw body (kept for logging a message that does not decode).
	Body    string
	Receipt string
}

// Inbox is the queue's consuming side, for pollers (server mode): Receive waits up to
// the implementation's poll time for at most max messages and hides them from other
// receivers until acknowledged or until a visibility timeout passes; Ack deletes them.
// On Lambda the event source mapping plays this part.
type Inbox interface {
	Receive(ctx context.Context, max int) ([]Received, error)
	Ack(ctx context.Context, receipts []string) error
}

// Notifier delivers a notification to a party (an SMS through SNS; a log line by
// default). A nil error means delivered; an error means not delivered or unknown.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// Events receives every change of an entry or waitlist after it is stored, from any path
// (a mutation, the producer, the consumer), with the stored object. It is the hook for
// subscriptions (onWaitlistEntryChanged, onMyWaitlistEntryChanged); the default does
// nothing. Implementations must not block.
type Events interface {
	EntryChanged(ctx context.Context, e *Entry)
	WaitlistChanged(ctx context.Context, w *Waitlist, deleted bool)
}

// NoEvents is the Events that drops everything.
type NoEvents struct{}

// EntryChanged does nothing.
func (NoEvents) EntryChanged(context.Context, *Entry) {}

// WaitlistChanged does nothing.
func (NoEvents) WaitlistChanged(context.Context, *Waitlist, bool) {}

// Compiled on first use, not at package init: counted repetitions and Unicode classes make
// these costly to compile, and init runs on every start (a Lambda cold start included).
var idRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`) })

// ValidateID checks an id before it goes near a storage key.
func ValidateID(field, id string) error {
	if !idRE().MatchString(id) {
		return apperr.New(apperr.BadRequest, "%s: must be 1-64 characters of A-Z, a-z, 0-9, _ and -", field)
	}
	return nil
}

func text(field string, v *string, max int, required bool) error {
	*v = strings.TrimSpace(*v)
	n := utf8.RuneCountInString(*v)
	if (required && n == 0) || n > max || !utf8.ValidString(*v) {
		if required {
			return apperr.New(apperr.BadRequest, "%s: must be 1-%d characters", field, max)
		}
		return apperr.New(apperr.BadRequest, "%s: must be at most %d characters", field, max)
	}
	return nil
}

var phoneRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`) })

// normalizePhone accepts E.164 with optional spaces, dashes and brackets (AWSPhone has
// already checked the shape) and returns it as +digits, what SNS Publish expects.
func normalizePhone(p string) (string, error) {
	var b strings.Builder
	for _, r := range p {
		switch {
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if !phoneRE().MatchString(out) {
		return "", apperr.New(apperr.BadRequest, "phone: %q is not an E.164 number such as +14155550100", p)
	}
	return out, nil
}

// WaitlistPage is one page of waitlists. NextToken is empty on the last page.
type WaitlistPage struct {
	Items     []*Waitlist
	NextToken string
}

// EntryPage is one page of entries.
type EntryPage struct {
	Items     []*Entry
	NextToken string
}

// WaitlistQuery selects waitlists: an owner's (Owner set), the open ones whose name
// starts with NamePrefix (OpenOnly), or all (an Admin).
type WaitlistQuery struct {
	Owner      string
	OpenOnly   bool
	NamePrefix string
	Limit      int
	NextToken  string
}

// EntryQuery selects a waitlist's entries in arrival order, optionally of one stored
// status.
type EntryQuery struct {
	WaitlistID string
	Status     Status
	Limit      int
	NextToken  string
}

// Due is a due marker: entry EntryID is due for the producer at At.
type Due struct {
	EntryID string
	At      time.Time
}

// Repository stores waitlists and their entries. Implementations must honour these
// contracts, which the suite in package waitlisttest checks against every implementation:
//
//   - CreateWaitlist stores w (Version 1); Conflict when the id exists.
//   - GetWaitlist / GetEntry return the stored object, strongly consistent; NotFound when
//     there is none. GetEntry of an entry whose waitlist was deleted may return it or
//     NotFound (the cascade may not have reached it): callers check the waitlist.
//   - UpdateWaitlist stores next when the stored version is prev.Version (next.Version =
//     prev.Version + 1) and returns it; NotFound when the waitlist is gone (never an
//     upsert), Conflict when the version differs.
//   - DeleteWaitlist deletes the waitlist when its version is prev.Version (NotFound when
//     gone, Conflict otherwise), then its entries and their helper items. Once it has
//     returned — and from the moment the waitlist item is deleted, also while the cascade
//     runs — no entry of it can be changed (SaveEntry returns NotFound), so none can be
//     claimed or notified. A cascade cut short leaves entries no one can reach, which TTL
//     deletes, and due markers the producer drops.
//   - GetWaitlists reads waitlists by id in one batch, strongly consistent; missing ids
//     are absent from the map (the loader behind WaitlistEntry.waitlist).
//   - ListWaitlists pages by name: an owner's, the open ones by name prefix (case
//     insensitive), or all; a NextToken made for another query is a BadRequest.
//   - NextSeq returns a new sequence number of the waitlist, larger than every one before
//     (atomic, no read-modify-write); NotFound when the waitlist is gone.
//   - AddEntry stores e (Version 1) in one atomic write that also requires its waitlist to
//     exist (and to be open when requireOpen) and, for a customer's entry, that the
//     customer has no entry in line on that waitlist: then it writes nothing and returns
//     the id of that entry (nil error). Waitlist gone: NotFound; closed: BadRequest.
//   - SaveEntry stores next in place of prev when the stored version is prev.Version, the
//     entry has not expired at next.UpdatedAt (it is compared with ExpiresAt) and the
//     waitlist exists, with next.Version = prev.Version + 1, and keeps the helper items
//     in step in the same atomic write: the entry's place in line (while in line), the
//     customer's one-entry guard (while in line) and the due marker (while WAITING with a
//     DueAt, keyed by DueAt). Version or expiry mismatch: Conflict; waitlist gone: NotFound.
//   - Entries pages a waitlist's entries in Seq order, of one stored status when asked.
//     CustomerEntries pages one customer's entries, newest first.
//   - InLine returns the Seqs of the waitlist's entries in line and not expired at now, in
//     ascending order, strongly consistent, with one request per 1 MB of them (no read of
//     the entries themselves): the position of an entry is its index + 1, waitingCount
//     the length.
//   - Due returns at most limit due markers with At ≤ now, oldest first per shard.
//     DeleteDue deletes a marker (no error when gone); a marker no longer matching its
//     entry is stale and the producer deletes it.
//   - Unavailable and Internal errors leave the outcome of a write unknown; every other
//     error means nothing was written.
type Repository interface {
	CreateWaitlist(ctx context.Context, w *Waitlist) error
	GetWaitlist(ctx context.Context, id string) (*Waitlist, error)
	GetWaitlists(ctx context.Context, ids []string) (map[string]*Waitlist, error)
	UpdateWaitlist(ctx context.Context, prev, next *Waitlist) (*Waitlist, error)
	DeleteWaitlist(ctx context.Context, prev *Waitlist) error
	ListWaitlists(ctx context.Context, q WaitlistQuery) (WaitlistPage, error)
	NextSeq(ctx context.Context, waitlistID string) (int64, error)
	AddEntry(ctx context.Context, e *Entry, requireOpen bool) (existingID string, err error)
	GetEntry(ctx context.Context, id string) (*Entry, error)
	SaveEntry(ctx context.Context, prev, next *Entry) (*Entry, error)
	Entries(ctx context.Context, q EntryQuery) (EntryPage, error)
	CustomerEntries(ctx context.Context, customer string, limit int, nextToken string) (EntryPage, error)
	InLine(ctx context.Context, waitlistID string, now time.Time) ([]int64, error)
	Due(ctx context.Context, now time.Time, limit int) ([]Due, error)
	DeleteDue(ctx context.Context, d Due) error
}
