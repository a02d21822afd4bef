package booking

import (
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

// StatusInput is Amplify's ModelBookingStatusInput: equality on the enum.
type StatusInput struct {
	Eq, Ne *Status
}

// Filter is Amplify's ModelBookingFilterInput: conditions on fields, AND-ed, plus
// and/or/not groups.
type Filter struct {
	ID               *filter.StringInput
	Status           *StatusInput
	PaymentToken     *filter.StringInput
	CheckedIn        *filter.BooleanInput
	Customer         *filter.StringInput
	CreatedAt        *filter.StringInput
	BookingReference *filter.StringInput
	And              []*Filter
	Or               []*Filter
	Not              *Filter
}

func (f *Filter) strings(b *Booking) []struct {
	name string
	c    *filter.StringInput
	v    *string
} {
	created := formatTime(b.CreatedAt)
	ref := &b.BookingReference
	if b.BookingReference == "" {
		ref = nil // not set yet: an absent attribute, as in DynamoDB
	}
	return []struct {
		name string
		c    *filter.StringInput
		v    *string
	}{
		{"id", f.ID, &b.ID},
		{"paymentToken", f.PaymentToken, &b.PaymentToken},
		{"customer", f.Customer, &b.Customer},
		{"createdAt", f.CreatedAt, &created},
		{"bookingReference", f.BookingReference, ref},
	}
}

var tree = filter.Tree[*Filter, *Booking]{
	Groups: func(f *Filter) ([]*Filter, []*Filter, *Filter) { return f.And, f.Or, f.Not },
	Fields: func(f *Filter, path string) error {
		var empty Booking
		for _, s := range f.strings(&empty) {
			if s.c == nil {
				continue // no condition: no path string to build
			}
			if err := s.c.Validate(filter.Field(path, s.name)); err != nil {
				return err
			}
		}
		if f.Status != nil {
			for _, s := range []*Status{f.Status.Eq, f.Status.Ne} {
				if s != nil && !s.Valid() {
					return apperr.New(apperr.BadRequest, "%s.status: %q is not a BookingStatus", path, *s)
				}
			}
		}
		return nil
	},
	Match: func(f *Filter, b *Booking) bool {
		for _, s := range f.strings(b) {
			if !s.c.Match(s.v) {
				return false
			}
		}
		if f.Status != nil && (f.Status.Eq != nil && b.Status != *f.Status.Eq || f.Status.Ne != nil && b.Status == *f.Status.Ne) {
			return false
		}
		checked := b.CheckedIn
		return f.CheckedIn.Match(&checked)
	},
}

// Validate checks every operator's arguments and bounds the tree's size. path names the
// argument in error messages.
func (f *Filter) Validate(path string) error { return tree.Validate(f, path) }

// Match reports whether b satisfies f. A nil filter matches everything. f must have
// passed Validate.
func (f *Filter) Match(b *Booking) bool { return tree.Matches(f, b) }

// StatusRange turns a status key condition into the bounds a store applies to the status
// part of its sort key: the statuses s with lo ≤ s ≤ hi (an empty bound is open), or those
// starting with prefix. It validates the condition first.
func StatusRange(k *filter.KeyStringInput) (KeyRange, error) {
	if err := k.Validate("status"); err != nil {
		return KeyRange{}, err
	}
	if k == nil {
		return KeyRange{}, nil
	}
	for _, v := range append([]*string{k.Eq, k.Le, k.Lt, k.Ge, k.Gt, k.BeginsWith}, k.Between...) {
		if v != nil && len(*v) > maxStatusOperand {
			return KeyRange{}, apperr.New(apperr.BadRequest, "status: a key condition value is at most %d characters", maxStatusOperand)
		}
	}
	switch {
	case k.Eq != nil:
		return KeyRange{Op: KeyEq, A: *k.Eq}, nil
	case k.Le != nil:
		return KeyRange{Op: KeyLe, A: *k.Le}, nil
	case k.Lt != nil:
		return KeyRange{Op: KeyLt, A: *k.Lt}, nil
	case k.Ge != nil:
		return KeyRange{Op: KeyGe, A: *k.Ge}, nil
	case k.Gt != nil:
		return KeyRange{Op: KeyGt, A: *k.Gt}, nil
	case k.BeginsWith != nil:
		return KeyRange{Op: KeyBeginsWith, A: *k.BeginsWith}, nil
	default:
		lo, hi := *k.Between[0], *k.Between[1]
		if lo > hi {
			return KeyRange{}, apperr.New(apperr.BadRequest, "status.between: the first value must not sort after the second")
		}
		return KeyRange{Op: KeyBetween, A: lo, B: hi}, nil
	}
}

// maxStatusOperand bounds a status key condition's values: statuses are short words.
const maxStatusOperand = 32

// KeyOp is a sort-key operator on the status.
type KeyOp int

// The operators; KeyAny means no condition.
const (
	KeyAny KeyOp = iota
	KeyEq
	KeyLe
	KeyLt
	KeyGe
	KeyGt
	KeyBetween
	KeyBeginsWith
)

// KeyRange is a validated status key condition: Op with operand A (and B for between).
type KeyRange struct {
	Op   KeyOp
	A, B string
}

// Match reports whether status satisfies the condition (what a store's key condition does
// on the status part of the key).
func (r KeyRange) Match(s Status) bool {
	v := string(s)
	switch r.Op {
	case KeyEq:
		return v == r.A
	case KeyLe:
		return v <= r.A
	case KeyLt:
		return v < r.A
	case KeyGe:
		return v >= r.A
	case KeyGt:
		return v > r.A
	case KeyBetween:
		return v >= r.A && v <= r.B
	case KeyBeginsWith:
		return len(v) >= len(r.A) && v[:len(r.A)] == r.A
	}
	return true
}
