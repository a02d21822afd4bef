package waitlist

import "time"

// The API shows an entry's unset fields as null and its version as an Int. These accessors
// do that on the model itself, so the executor reads them inline rather than running a
// resolver, in a goroutine of its own, for each such field of every entry on a dashboard.

// CustomerOrNil is the joining user's id, nil for a walk-in the owner added.
func (e *Entry) CustomerOrNil() *string { return nonEmpty(e.Customer) }

// NotesOrNil is the party's notes, nil when there are none.
func (e *Entry) NotesOrNil() *string { return nonEmpty(e.Notes) }

// NotifyAtOrNil is when the table should be ready, nil when no notification is planned.
func (e *Entry) NotifyAtOrNil() *time.Time { return nonZero(e.NotifyAt) }

// NotifiedAtOrNil is when the party was notified, nil until then.
func (e *Entry) NotifiedAtOrNil() *time.Time { return nonZero(e.NotifiedAt) }

// SeatedAtOrNil is when the party was seated, nil until then.
func (e *Entry) SeatedAtOrNil() *time.Time { return nonZero(e.SeatedAt) }

// VersionInt is Version as GraphQL's Int (an entry is written a handful of times).
func (e *Entry) VersionInt() int { return int(e.Version) }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonZero(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
