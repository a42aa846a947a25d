package pulseapi

// Reading a paginated list so that it can be trusted. A key leaves the provider's state when a
// listing does not hold it, so a listing must never be short: a key deleted by someone else
// between two pages shifts the rest, and the key that moves onto the page already read is
// never seen. Hence:
//
//   - A list that gives counts (the wrapper's total and pageCount) is read until they are
//     reached (the pages after the first in parallel when their number is known), and checked: the counts the same on every page, no id twice, as many ids as
//     the total. A list that fails the check is read again, up to listingAttempts times.
//   - A list that gives no counts (the bare array) is read on until an empty page: a short
//     page may be the server's cap, not the end. Its pages cannot be checked, so a listing of
//     it is "unverified": a key is gone only when two such listings agree (see FindAPIKey).
//   - A server that ignores paging answers page 2 as page 1: that is the whole list.

import (
	"errors"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"
)

const (
	// pageSize is what a listing asks for: the API documents no maximum page size.
	pageSize        = 100
	maxPages        = 10_000 // a guard against a server that never stops paging
	listingAttempts = 3
	// pagesInFlight bounds the pages of one listing fetched at once. They still go through
	// the client-side rate limit, like every request.
	pagesInFlight = 4
)

// ErrListingChanged is wrapped by the error of a listing that changed while it was read,
// listingAttempts times in a row.
var ErrListingChanged = errors.New("the list changed while it was read")

// errInconsistent is one read whose pages did not add up.
var errInconsistent = errors.New("the pages did not add up")

// readList reads a whole list, again while it changes under the reader. verified says that
// its pages were checked against the server's total.
func readList[T any](what string, fetch func(n int) (page[T], error), id func(T) string) ([]T, bool, error) {
	for range listingAttempts {
		items, verified, err := readPages(fetch, id)
		if !errors.Is(err, errInconsistent) {
			return items, verified, err
		}
	}
	return nil, false, fmt.Errorf("%w: %s was read %d times and changed during each read (another client is "+
		"writing to it); try again", ErrListingChanged, what, listingAttempts)
}

func readPages[T any](fetch func(n int) (page[T], error), id func(T) string) ([]T, bool, error) {
	first, err := fetch(1)
	if err != nil {
		return nil, false, err
	}
	// Counts of nothing beside a page of items count nothing (a build that leaves them 0): such
	// a list is read as one without counts, to an empty page, and not trusted alone.
	if first.Counted && first.Pages == 0 && first.Total == 0 && len(first.Items) > 0 {
		first.Counted = false
	}
	if first.Counted {
		return readCounted(first, fetch, id)
	}
	items, err := readToEmptyPage(first, fetch, id)
	return items, false, err
}

// readCounted reads the pages after first, which gave the counts. With a page count, the
// pages are fetched pagesInFlight at a time (at real network latency a listing of 10,000 keys
// is 100 round trips otherwise) and put back in order; without one, one after another until
// the total is reached. Either way the result is checked against first's counts.
func readCounted[T any](first page[T], fetch func(n int) (page[T], error), id func(T) string) ([]T, bool, error) {
	var (
		pages []page[T]
		err   error
	)
	if first.Pages > 0 {
		pages, err = fetchInParallel(first.Pages, fetch)
	} else {
		pages, err = fetchToTotal(first, fetch)
	}
	if err != nil {
		return nil, false, err
	}

	all, seen := make([]T, 0, max(first.Total, len(first.Items))), map[string]bool{}
	for _, p := range append([]page[T]{first}, pages...) {
		if p.Pages != first.Pages || p.Total != first.Total || (len(p.Items) == 0 && first.Total > 0) {
			return nil, false, errInconsistent
		}
		for _, item := range p.Items {
			if k := id(item); seen[k] {
				return nil, false, errInconsistent
			} else {
				seen[k] = true
			}
			all = append(all, item)
		}
	}
	if first.Total > 0 && len(all) != first.Total {
		return nil, false, errInconsistent
	}
	return all, first.Total > 0 || first.Pages == 0, nil
}

// fetchInParallel fetches pages 2 to count, pagesInFlight at a time, in order.
func fetchInParallel[T any](count int, fetch func(n int) (page[T], error)) ([]page[T], error) {
	if count > maxPages {
		return nil, fmt.Errorf("the server announced %d pages, more than the %d a list may have", count, maxPages)
	}
	pages := make([]page[T], count-1)
	var g errgroup.Group
	g.SetLimit(pagesInFlight)
	for i := range pages {
		g.Go(func() (err error) {
			pages[i], err = fetch(i + 2)
			return err
		})
	}
	return pages, g.Wait()
}

// fetchToTotal fetches the pages after first one after another until their items reach the
// total first gave: without a page count, how many pages there are is not known.
func fetchToTotal[T any](first page[T], fetch func(n int) (page[T], error)) ([]page[T], error) {
	var pages []page[T]
	for n, count := 2, len(first.Items); count < first.Total; n++ {
		if n > maxPages {
			return nil, fmt.Errorf("the list did not reach its total within %d pages", maxPages)
		}
		p, err := fetch(n)
		if err != nil {
			return nil, err
		}
		if len(p.Items) == 0 {
			return nil, errInconsistent // it ended before its total
		}
		pages = append(pages, p)
		count += len(p.Items)
	}
	return pages, nil
}

// readToEmptyPage reads a list that gives no counts, one page after another until an empty
// one. Its pages cannot be checked against a total.
func readToEmptyPage[T any](first page[T], fetch func(n int) (page[T], error), id func(T) string) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	add := func(items []T) bool {
		for _, item := range items {
			k := id(item)
			if seen[k] {
				return false
			}
			seen[k] = true
			all = append(all, item)
		}
		return true
	}
	if !add(first.Items) {
		return nil, errInconsistent
	}
	for n, last := 2, first.Items; len(last) > 0; n++ {
		if n > maxPages {
			return nil, fmt.Errorf("the list did not end within %d pages", maxPages)
		}
		p, err := fetch(n)
		if err != nil {
			return nil, err
		}
		if n == 2 && slices.EqualFunc(p.Items, first.Items, func(a, b T) bool { return id(a) == id(b) }) {
			return all, nil // the server ignores paging: page 1 was everything
		}
		if !add(p.Items) {
			return nil, errInconsistent
		}
		last = p.Items
	}
	return all, nil
}
