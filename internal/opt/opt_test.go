package opt_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/opt"
)

func TestZeroIsNull(t *testing.T) {
	require.Nil(t, opt.String(""))
	require.Equal(t, "x", *opt.String("x"))
	require.Nil(t, opt.Time(time.Time{}))
	now := time.Now()
	require.True(t, now.Equal(*opt.Time(now)))
}
