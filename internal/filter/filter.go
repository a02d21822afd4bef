// Package filter holds Amplify's filter operators (ModelStringInput, ModelIntInput, …) as
// plain Go values that domain packages evaluate against their own objects.
//
// AppSync applies these filters as DynamoDB FilterExpressions after the key condition, so a
// page can come back short. skygraph evaluates them in Go while it reads pages, so that a
// page is full whenever enough items exist, and one implementation serves every store.
// The package imports nothing outside the standard library: gqlgen binds the generated
// input types straight onto these structs (see gqlgen.yml).
package filter

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/skygraph/skygraph/internal/apperr"
)

// AttributeType is Amplify's ModelAttributeTypes: the DynamoDB type an attributeType
// condition asks for.
type AttributeType string

// The DynamoDB attribute types, spelled as Amplify's enum spells them.
const (
	TypeBinary    AttributeType = "binary"
	TypeBinarySet AttributeType = "binarySet"
	TypeBool      AttributeType = "bool"
	TypeList      AttributeType = "list"
	TypeMap       AttributeType = "map"
	TypeNumber    AttributeType = "number"
	TypeNumberSet AttributeType = "numberSet"
	TypeString    AttributeType = "string"
	TypeStringSet AttributeType = "stringSet"
	TypeNull      AttributeType = "_null"
)

var attributeTypes = map[AttributeType]bool{
	TypeBinary: true, TypeBinarySet: true, TypeBool: true, TypeList: true, TypeMap: true,
	TypeNumber: true, TypeNumberSet: true, TypeString: true, TypeStringSet: true, TypeNull: true,
}

// UnmarshalGQL lets gqlgen bind the ModelAttributeTypes enum to this type.
func (t *AttributeType) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || !attributeTypes[AttributeType(s)] {
		return apperr.New(apperr.BadRequest, "invalid ModelAttributeTypes value %v", v)
	}
	*t = AttributeType(s)
	return nil
}

// MarshalGQL writes the enum value.
func (t AttributeType) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(t))) }

// SortDirection is Amplify's ModelSortDirection.
type SortDirection string

// The sort directions.
const (
	Asc  SortDirection = "ASC"
	Desc SortDirection = "DESC"
)

// UnmarshalGQL lets gqlgen bind the ModelSortDirection enum to this type.
func (d *SortDirection) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || (s != string(Asc) && s != string(Desc)) {
		return apperr.New(apperr.BadRequest, "invalid ModelSortDirection value %v", v)
	}
	*d = SortDirection(s)
	return nil
}

// MarshalGQL writes the enum value.
func (d SortDirection) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(d))) }

// Descending reports whether d asks for descending order; nil means ascending.
func (d *SortDirection) Descending() bool { return d != nil && *d == Desc }

// SizeInput is Amplify's ModelSizeInput: a condition on a string's length.
type SizeInput struct {
	Ne, Eq, Le, Lt, Ge, Gt *int
	Between                []*int
}

// StringInput is Amplify's ModelStringInput (and ModelIDInput, which has the same shape).
type StringInput struct {
	Ne, Eq, Le, Lt, Ge, Gt *string
	Contains, NotContains  *string
	Between                []*string
	BeginsWith             *string
	AttributeExists        *bool
	AttributeType          *AttributeType
	Size                   *SizeInput
}

// IntInput is Amplify's ModelIntInput.
type IntInput struct {
	Ne, Eq, Le, Lt, Ge, Gt *int
	Between                []*int
	AttributeExists        *bool
	AttributeType          *AttributeType
}

// BooleanInput is Amplify's ModelBooleanInput.
type BooleanInput struct {
	Ne, Eq          *bool
	AttributeExists *bool
	AttributeType   *AttributeType
}

// KeyStringInput is Amplify's ModelStringKeyConditionInput: the operators DynamoDB allows
// on a sort key. Exactly one may be set.
type KeyStringInput struct {
	Eq, Le, Lt, Ge, Gt *string
	Between            []*string
	BeginsWith         *string
}

// Validate reports a BadRequest when a key condition sets no operator or more than one,
// or when between does not hold exactly two values.
func (k *KeyStringInput) Validate(field string) error {
	if k == nil {
		return nil
	}
	n := count(k.Eq != nil, k.Le != nil, k.Lt != nil, k.Ge != nil, k.Gt != nil, k.Between != nil, k.BeginsWith != nil)
	if n != 1 {
		return apperr.New(apperr.BadRequest, "%s: set exactly one of eq, le, lt, ge, gt, between, beginsWith", field)
	}
	if k.Between != nil {
		if _, _, err := pair(field, k.Between); err != nil {
			return err
		}
	}
	return nil
}

func count(flags ...bool) int {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return n
}

// pair returns the two bounds of a between operator.
func pair[T any](field string, vs []*T) (T, T, error) {
	var zero T
	if len(vs) != 2 || vs[0] == nil || vs[1] == nil {
		return zero, zero, apperr.New(apperr.BadRequest, "%s: between takes exactly two non-null values", field)
	}
	return *vs[0], *vs[1], nil
}

// Validate checks the operators' arguments (between with exactly two bounds).
func (c *StringInput) Validate(field string) error {
	if c == nil {
		return nil
	}
	if c.Between != nil {
		if _, _, err := pair(field, c.Between); err != nil {
			return err
		}
	}
	return c.Size.Validate(field + ".size")
}

// Validate checks the operators' arguments.
func (c *SizeInput) Validate(field string) error {
	if c == nil || c.Between == nil {
		return nil
	}
	_, _, err := pair(field, c.Between)
	return err
}

// Validate checks the operators' arguments.
func (c *IntInput) Validate(field string) error {
	if c == nil || c.Between == nil {
		return nil
	}
	_, _, err := pair(field, c.Between)
	return err
}

// Validate checks the operators' arguments (there is nothing to check: kept for symmetry).
func (c *BooleanInput) Validate(string) error { return nil }

// Match reports whether v satisfies every operator set in c. A nil v is an absent
// attribute: like DynamoDB, every comparison on it is false except ne and notContains.
// c must have passed Validate.
func (c *StringInput) Match(v *string) bool {
	if c == nil {
		return true
	}
	if !matchPresence(v != nil, c.AttributeExists, c.AttributeType, TypeString) {
		return false
	}
	if v == nil {
		return c.Eq == nil && c.Le == nil && c.Lt == nil && c.Ge == nil && c.Gt == nil &&
			c.Contains == nil && c.Between == nil && c.BeginsWith == nil && c.Size == nil
	}
	s := *v
	switch {
	case c.Ne != nil && s == *c.Ne,
		c.Eq != nil && s != *c.Eq,
		c.Le != nil && s > *c.Le,
		c.Lt != nil && s >= *c.Lt,
		c.Ge != nil && s < *c.Ge,
		c.Gt != nil && s <= *c.Gt,
		c.Contains != nil && !strings.Contains(s, *c.Contains),
		c.NotContains != nil && strings.Contains(s, *c.NotContains),
		c.BeginsWith != nil && !strings.HasPrefix(s, *c.BeginsWith):
		return false
	}
	if c.Between != nil && (s < *c.Between[0] || s > *c.Between[1]) {
		return false
	}
	if c.Size != nil {
		n := len(s)
		return (&IntInput{Ne: c.Size.Ne, Eq: c.Size.Eq, Le: c.Size.Le, Lt: c.Size.Lt, Ge: c.Size.Ge, Gt: c.Size.Gt, Between: c.Size.Between}).Match(&n)
	}
	return true
}

// Match reports whether v satisfies every operator set in c (see StringInput.Match for
// absent values).
func (c *IntInput) Match(v *int) bool {
	if c == nil {
		return true
	}
	if !matchPresence(v != nil, c.AttributeExists, c.AttributeType, TypeNumber) {
		return false
	}
	if v == nil {
		return c.Eq == nil && c.Le == nil && c.Lt == nil && c.Ge == nil && c.Gt == nil && c.Between == nil
	}
	n := *v
	switch {
	case c.Ne != nil && n == *c.Ne,
		c.Eq != nil && n != *c.Eq,
		c.Le != nil && n > *c.Le,
		c.Lt != nil && n >= *c.Lt,
		c.Ge != nil && n < *c.Ge,
		c.Gt != nil && n <= *c.Gt:
		return false
	}
	return c.Between == nil || (n >= *c.Between[0] && n <= *c.Between[1])
}

// Match reports whether v satisfies every operator set in c.
func (c *BooleanInput) Match(v *bool) bool {
	if c == nil {
		return true
	}
	if !matchPresence(v != nil, c.AttributeExists, c.AttributeType, TypeBool) {
		return false
	}
	if v == nil {
		return c.Eq == nil
	}
	return (c.Ne == nil || *v != *c.Ne) && (c.Eq == nil || *v == *c.Eq)
}

func matchPresence(present bool, exists *bool, typ *AttributeType, actual AttributeType) bool {
	if exists != nil && *exists != present {
		return false
	}
	if typ != nil {
		if !present {
			return *typ == TypeNull
		}
		return *typ == actual
	}
	return true
}

// Budget bounds the size of a filter tree, so that a client cannot make the server spend
// unbounded CPU on one page. It counts the objects of the tree; depth is checked per object.
type Budget struct{ nodes int }

// MaxNodes and MaxDepth bound a filter tree: generous for real UIs, small for attackers.
const (
	MaxNodes = 100
	MaxDepth = 10
)

// Enter accounts for one filter object at the given depth.
func (b *Budget) Enter(depth int) error {
	b.nodes++
	if b.nodes > MaxNodes {
		return apperr.New(apperr.BadRequest, "filter: more than %d conditions", MaxNodes)
	}
	if depth > MaxDepth {
		return apperr.New(apperr.BadRequest, "filter: nested deeper than %d levels", MaxDepth)
	}
	return nil
}

// Limit applies a page size's default and rejects sizes outside 1..max, so a client
// learns its mistake instead of getting a silently different page size.
func Limit(limit *int, def, max int) (int, error) {
	if limit == nil {
		return def, nil
	}
	if *limit < 1 || *limit > max {
		return 0, apperr.New(apperr.BadRequest, "limit: must be between 1 and %d", max)
	}
	return *limit, nil
}

// Field names a field inside a filter for error messages, e.g. "filter.and[1].seatCapacity".
func Field(path, name string) string { return path + "." + name }

// Tree is the and/or/not structure that every Model*FilterInput shares around its own field
// conditions: a domain describes its fields once (Fields, Match) and Tree walks the groups,
// bounds the tree's size and names the failing path, identically for every type.
// F is the domain's filter pointer type (nil matches everything), T what it filters.
type Tree[F comparable, T any] struct {
	// Groups returns f's and, or and not groups.
	Groups func(f F) (and, or []F, not F)
	// Fields validates f's own field conditions (not its groups); path names f.
	Fields func(f F, path string) error
	// Match reports whether v satisfies f's own field conditions (not its groups).
	Match func(f F, v T) bool
}

// Validate checks every condition of the tree under f and bounds its size (Budget). path
// names the argument in error messages ("filter", "condition").
func (t Tree[F, T]) Validate(f F, path string) error {
	var b Budget
	return t.validate(f, path, 0, &b)
}

func (t Tree[F, T]) validate(f F, path string, depth int, b *Budget) error {
	var none F
	if f == none {
		return nil
	}
	if err := b.Enter(depth); err != nil {
		return err
	}
	if err := t.Fields(f, path); err != nil {
		return err
	}
	and, or, not := t.Groups(f)
	for i, g := range and {
		if err := t.validate(g, fmt.Sprintf("%s.and[%d]", path, i), depth+1, b); err != nil {
			return err
		}
	}
	for i, g := range or {
		if err := t.validate(g, fmt.Sprintf("%s.or[%d]", path, i), depth+1, b); err != nil {
			return err
		}
	}
	return t.validate(not, path+".not", depth+1, b)
}

// Matches reports whether v satisfies the tree under f: its field conditions, every and
// group, at least one or group (when there are any) and not the not group. A nil filter
// matches everything; nil entries in and/or lists are ignored, as are empty lists. f must
// have passed Validate.
func (t Tree[F, T]) Matches(f F, v T) bool {
	var none F
	if f == none {
		return true
	}
	if !t.Match(f, v) {
		return false
	}
	and, or, not := t.Groups(f)
	for _, g := range and {
		if g != none && !t.Matches(g, v) {
			return false
		}
	}
	if len(or) > 0 {
		hit := false
		for _, g := range or {
			if g != none && t.Matches(g, v) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return not == none || !t.Matches(not, v)
}
