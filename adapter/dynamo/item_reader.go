package dynamo

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// itemReader decodes the attributes of one stored item by name, without reflection. The
// hot item types (flights, bookings, orders, products) are decoded with it: the profile of
// ten flights by id showed attributevalue.UnmarshalMap's reflection at ~4% of the server's
// CPU. It follows attributevalue's rules for the kinds it reads, so that both decode an
// item alike (item_reader_test.go checks each hand decoder against UnmarshalMap):
//   - a missing attribute or NULL is the zero value (nil for a pointer);
//   - a string field takes S (and N, as attributevalue does);
//   - an integer field takes N, parsed in base 10, out of range is an error;
//   - a bool field takes BOOL;
//   - any other kind is an error.
//
// The first error is kept (err) and later reads return zero values, so a decoder reads all
// its fields and checks err once.
type itemReader struct {
	raw item
	err error
}

func (r *itemReader) fail(name string, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("attribute %s: %w", name, err)
	}
}

func (r *itemReader) wrongKind(name string, av types.AttributeValue, want string) {
	r.fail(name, fmt.Errorf("%T cannot be decoded into %s", av, want))
}

// str reads a string attribute.
func (r *itemReader) str(name string) string {
	return r.strOf(name, r.raw[name])
}

func (r *itemReader) strOf(name string, av types.AttributeValue) string {
	switch v := av.(type) {
	case nil, *types.AttributeValueMemberNULL:
		return ""
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return v.Value
	default:
		r.wrongKind(name, av, "string")
		return ""
	}
}

// int64 reads a number attribute that must fit in bits bits.
func (r *itemReader) int64(name string, bits int) int64 {
	return r.int64Of(name, r.raw[name], bits)
}

func (r *itemReader) int64Of(name string, av types.AttributeValue, bits int) int64 {
	switch v := av.(type) {
	case nil, *types.AttributeValueMemberNULL:
		return 0
	case *types.AttributeValueMemberN:
		n, err := strconv.ParseInt(v.Value, 10, bits)
		if err != nil {
			r.fail(name, err)
			return 0
		}
		return n
	default:
		r.wrongKind(name, av, "int")
		return 0
	}
}

// int reads a number attribute into an int.
func (r *itemReader) int(name string) int { return int(r.int64(name, strconv.IntSize)) }

// intPtr reads a number attribute that may be missing or NULL (nil).
func (r *itemReader) intPtr(name string) *int {
	switch r.raw[name].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return nil
	}
	n := r.int(name)
	if r.err != nil {
		return nil
	}
	return &n
}

// bool reads a BOOL attribute.
func (r *itemReader) bool(name string) bool {
	switch v := r.raw[name].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return false
	case *types.AttributeValueMemberBOOL:
		return v.Value
	default:
		r.wrongKind(name, v, "bool")
		return false
	}
}

// maps reads a list (L) of maps (M), calling each with a reader of one element. A missing
// or NULL attribute is an empty list (nil), as in attributevalue.
func (r *itemReader) maps(name string, each func(*itemReader)) {
	switch v := r.raw[name].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return
	case *types.AttributeValueMemberL:
		for i, el := range v.Value {
			m, ok := el.(*types.AttributeValueMemberM)
			if !ok {
				r.wrongKind(name+"["+strconv.Itoa(i)+"]", el, "map")
				return
			}
			sub := itemReader{raw: m.Value}
			each(&sub)
			if sub.err != nil {
				r.fail(name+"["+strconv.Itoa(i)+"]", sub.err)
				return
			}
		}
	default:
		r.wrongKind(name, v, "list")
	}
}
