package emulator

import (
	"net/http"
	"strings"
)

// The account and permission endpoints: GET /accounts and GET /permissions.

// accountView is the documented full account object.
type accountView struct {
	ID                   int64    `json:"id"`
	AccountID            string   `json:"accountId"`
	AccountName          string   `json:"accountName"`
	Name                 string   `json:"name"`
	UniqueID             string   `json:"uniqueId"`
	Repcode              *string  `json:"repcode"`
	CustomerServicePhone string   `json:"customerServicePhone"`
	CustomerServiceEmail string   `json:"customerServiceEmail"`
	WhitelabelSettings   struct{} `json:"whitelabelSettings"`
	Permissions          []string `json:"permissions"`
	Roles                []string `json:"roles"`
	UsersPrimaryAccount  bool     `json:"usersPrimaryAccount"`
	AccountAdmin         bool     `json:"accountAdmin"`
	AccountTypeID        int64    `json:"accountTypeId"`
	CreatedAt            string   `json:"createdAt"`
	UpdatedAt            string   `json:"updatedAt"`
}

// accountObject is a as who sees it: permissions and roles are who's own there.
func accountObject(who principal, a *Account) accountView {
	v := accountView{
		ID:                   a.ID,
		AccountID:            a.AccountID,
		AccountName:          a.AccountName,
		Name:                 a.AccountName,
		UniqueID:             a.UniqueID,
		Repcode:              nullable(a.Repcode),
		CustomerServicePhone: a.CustomerServicePhone,
		CustomerServiceEmail: a.CustomerServiceEmail,
		Permissions:          []string{},
		Roles:                []string{},
		UsersPrimaryAccount:  a.AccountID == who.user.primary,
		AccountTypeID:        a.AccountTypeID,
		CreatedAt:            formatTime(a.CreatedAt),
		UpdatedAt:            formatTime(a.UpdatedAt),
	}
	if role, perms, member := who.access(a.AccountID); member {
		v.Roles = []string{role}
		v.Permissions = append(v.Permissions, perms...)
		v.AccountAdmin = isAdminRole(role)
	}
	return v
}

func (s *Server) listAccounts(c *call) response {
	q := c.r.URL.Query()
	sizeName := "pageSize"
	if s.variants.AccountsLimitPaging {
		sizeName = "limit"
	}
	page, size, resp, ok := pageQuery(q, sizeName, defaultAccountPageSize)
	if !ok {
		return resp
	}
	name, repcode := strings.ToLower(q.Get("name")), q.Get("repcode")

	var matched []*Account
	for _, a := range s.accounts {
		if !c.who.member(a.AccountID) {
			continue
		}
		if name != "" && !strings.Contains(strings.ToLower(a.AccountName), name) {
			continue
		}
		if repcode != "" && a.Repcode != repcode {
			continue
		}
		matched = append(matched, a)
	}
	lo, hi := pageBounds(page, size, len(matched))
	views := make([]accountView, 0, hi-lo)
	for _, a := range matched[lo:hi] {
		views = append(views, accountObject(c.who, a))
	}
	if s.variants.AccountsLimitPaging {
		return jsonResponse(http.StatusOK, map[string]any{
			"accounts": views, "page": page, "limit": size, "total": len(matched), "pageCount": pageCount(len(matched), size),
		})
	}
	return jsonResponse(http.StatusOK, struct {
		Accounts    []accountView `json:"accounts"`
		TotalCount  int           `json:"totalCount"`
		TotalPages  int           `json:"totalPages"`
		CurrentPage int           `json:"currentPage"`
	}{views, len(matched), pageCount(len(matched), size), page})
}

func (s *Server) listPermissions(c *call) response {
	if resp, ok := c.requireKeyAdmin(); !ok {
		return resp
	}
	if !c.r.URL.Query().Has("detailed") {
		return jsonResponse(http.StatusOK, catalogue)
	}
	byCategory := map[string][]permission{}
	for _, p := range catalogue {
		byCategory[p.Category] = append(byCategory[p.Category], p)
	}
	return jsonResponse(http.StatusOK, byCategory)
}
