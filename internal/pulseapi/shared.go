package pulseapi

import (
	"context"

	"golang.org/x/sync/singleflight"
)

// shared is the one single-flight of the client: a login, a listing. Concurrent callers with
// the same key share one run of the work and its result.
//
// The work runs with its first caller's values (the logger, the masking) but not its
// cancellation: one caller giving up must not fail the others who wait on the same work. Each
// caller still stops waiting when its own context ends.
type shared struct {
	group singleflight.Group
}

func sharedDo[T any](ctx context.Context, s *shared, key string, work func(context.Context) (T, error)) (T, error) {
	detached := context.WithoutCancel(ctx)
	ch := s.group.DoChan(key, func() (any, error) {
		return work(detached)
	})
	select {
	case r := <-ch:
		v, _ := r.Val.(T) // the work of a key always returns a T; a zero T goes with an error
		return v, r.Err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
