package waitlist

import (
	"time"

	"github.com/skygraph/skygraph/internal/opt"
)

// The API shows an entry's unset fields as null and its version as an Int. These accessors
// do that on the model itself, so the executor reads them inline rather than running a
// resolver, in a goroutine of its own, for each such field of every entry on a dashboard.

// CustomerOrNil is the joining user's id, nil for a walk-in the owner added.
func (e *Entry) CustomerOrNil() *string { return opt.String(e.Customer) }

// NotesOrNil is the party's notes, nil when there are none.
func (e *Entry) NotesOrNil() *string { return opt.String(e.Notes) }

// NotifyAtOrNil is when the table should be ready, nil when no notification is planned.
func (e *Entry) NotifyAtOrNil() *time.Time { return opt.Time(e.NotifyAt) }

// NotifiedAtOrNil is when the party was notified, nil until then.
func (e *Entry) NotifiedAtOrNil() *time.Time { return opt.Time(e.NotifiedAt) }

// SeatedAtOrNil is when the party was seated, nil until then.
func (e *Entry) SeatedAtOrNil() *time.Time { return opt.Time(e.SeatedAt) }

// VersionInt is Version as GraphQL's Int (an entry is written a handful of times).
func (e *Entry) VersionInt() int { return int(e.Version) }

// DescriptionOrNil is the waitlist's description, nil when it has none.
func (w *Waitlist) DescriptionOrNil() *string { return opt.String(w.Description) }

// VersionInt is Version as GraphQL's Int (a waitlist is edited a handful of times).
func (w *Waitlist) VersionInt() int { return int(w.Version) }
