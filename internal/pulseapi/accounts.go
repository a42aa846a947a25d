package pulseapi

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// ListAccounts lists every account the caller belongs to (all pages) that matches f.
func (c *Client) ListAccounts(ctx context.Context, f AccountFilter) ([]Account, error) {
	accounts, _, err := readList("the account list", func(n int) (page[Account], error) {
		// Builds page accounts with pageSize or with limit, the general convention: ask both.
		q := url.Values{"page": {strconv.Itoa(n)}, "pageSize": {strconv.Itoa(pageSize)}, "limit": {strconv.Itoa(pageSize)}}
		if f.Name != "" {
			q.Set("name", f.Name)
		}
		if f.Repcode != "" {
			q.Set("repcode", f.Repcode)
		}
		var p page[Account]
		_, err := c.do(ctx, http.MethodGet, "/accounts?"+q.Encode(), "", nil, func(data []byte) (err error) {
			p, err = decodeAccountPage(data)
			return err
		})
		return p, err
	}, func(a Account) string { return a.AccountID + "/" + strconv.FormatInt(a.ID, 10) })
	return accounts, err
}

// ListPermissions lists the permissions grantable on an account ("" = the default account).
// The answer is kept for the life of the Client; concurrent first callers share one request.
func (c *Client) ListPermissions(ctx context.Context, accountID string) ([]Permission, error) {
	header, key, err := c.account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	c.cacheMu.Lock()
	cached, ok := c.permissions[key]
	c.cacheMu.Unlock()
	if ok {
		return slices.Clone(cached), nil
	}
	perms, err := sharedDo(ctx, &c.flights, "GET /permissions "+key, func(ctx context.Context) ([]Permission, error) {
		// A caller that found no cache may reach the single-flight after the request ended.
		c.cacheMu.Lock()
		cached, ok := c.permissions[key]
		c.cacheMu.Unlock()
		if ok {
			return cached, nil
		}
		var perms []Permission
		_, err := c.do(ctx, http.MethodGet, "/permissions", header, nil, func(data []byte) (err error) {
			perms, err = decodePermissions(data)
			return err
		})
		if err == nil {
			c.cacheMu.Lock()
			c.permissions[key] = perms
			c.cacheMu.Unlock()
		}
		return perms, err
	})
	return slices.Clone(perms), err
}
