package flight_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/internal/filter"
)

// TestFilterValidateAllocations: validating the frontend's search filter (one condition)
// runs on every search; it must not build a path string for each of the 17 fields that
// have no condition.
func TestFilterValidateAllocations(t *testing.T) {
	zero := 0
	f := &flight.Filter{SeatCapacity: &filter.IntInput{Gt: &zero}}
	n := testing.AllocsPerRun(100, func() {
		if err := f.Validate("filter"); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.0f allocations", n)
	require.LessOrEqual(t, n, 4.0)
}
