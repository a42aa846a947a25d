package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	defaultKeyPageSize     = 25
	defaultAccountPageSize = 10
	maxPageSize            = 100
)

// requireKeyAdmin lets through callers holding writeApiKeys on the scoped account: every
// key endpoint and the permission catalogue need it.
func (c *call) requireKeyAdmin() (response, bool) {
	if slices.Contains(c.perms, "writeApiKeys") {
		return response{}, true
	}
	return failure(http.StatusForbidden, "Not authorized", "writeApiKeys permission is required"), false
}

// positiveQuery reads a 1-based query parameter; absent means def.
func positiveQuery(q url.Values, name string, def int) (int, response, bool) {
	raw := q.Get(name)
	if raw == "" {
		return def, response{}, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, invalidInput(name + " must be a positive integer"), false
	}
	return n, response{}, true
}

// pageQuery reads the page number and the page size (named sizeName, capped at maxPageSize)
// of a paginated list.
func pageQuery(q url.Values, sizeName string, defaultSize int) (page, size int, resp response, ok bool) {
	if page, resp, ok = positiveQuery(q, "page", 1); !ok {
		return 0, 0, resp, false
	}
	if size, resp, ok = positiveQuery(q, sizeName, defaultSize); !ok {
		return 0, 0, resp, false
	}
	return page, min(size, maxPageSize), response{}, true
}

// pageBounds is the slice [lo, hi) of total items that a 1-based page of size covers.
// Pages past the end are tested first because (page-1)*size can overflow for a page
// number a client made up.
func pageBounds(page, size, total int) (lo, hi int) {
	if page-1 > total/size {
		return total, total
	}
	lo = (page - 1) * size
	return lo, min(lo+size, total)
}

func pageCount(total, size int) int {
	return (total + size - 1) / size
}

// keyView is the documented key object; APISecret is set only when creating.
type keyView struct {
	ID               int64   `json:"id"`
	Description      string  `json:"description"`
	ExpiresAt        *string `json:"expiresAt"`
	Permissions      any     `json:"permissions"`
	APIKey           string  `json:"apiKey"`
	LastFourOfSecret string  `json:"lastFourOfSecret"`
	CreatedAt        string  `json:"createdAt"`
	UpdatedAt        string  `json:"updatedAt"`
	APISecret        string  `json:"apiSecret,omitempty"`
}

// keyObject renders k, with permissions as the variants ask.
func keyObject(k *APIKey, v Variants) keyView {
	kv := keyView{
		ID:               k.ID,
		Description:      k.Description,
		Permissions:      keyPermissions(k.Permissions, v),
		APIKey:           k.APIKey,
		LastFourOfSecret: k.Secret[max(0, len(k.Secret)-4):],
		CreatedAt:        formatTime(k.CreatedAt),
		UpdatedAt:        formatTime(k.UpdatedAt),
	}
	if k.ExpiresAt != nil {
		kv.ExpiresAt = nullable(formatTime(*k.ExpiresAt))
	}
	return kv
}

func (s *Server) listAPIKeys(c *call) response {
	if resp, ok := c.requireKeyAdmin(); !ok {
		return resp
	}
	keys := s.keysByAccount[c.account.AccountID]
	render := func(keys []*APIKey) []keyView {
		views := make([]keyView, 0, len(keys))
		for _, k := range keys {
			views = append(views, keyObject(k, s.variants))
		}
		return views
	}
	if s.variants.KeyListBareArray && !s.variants.KeyListPaged {
		return jsonResponse(http.StatusOK, render(keys))
	}
	page, limit, resp, ok := pageQuery(c.r.URL.Query(), "limit", defaultKeyPageSize)
	if !ok {
		return resp
	}
	if s.variants.PageCap > 0 {
		limit = min(limit, s.variants.PageCap)
	}
	lo, hi := pageBounds(page, limit, len(keys))
	if s.variants.KeyListBareArray {
		return jsonResponse(http.StatusOK, render(keys[lo:hi]))
	}
	field := s.variants.KeyListField
	if field == "" {
		field = "data"
	}
	return jsonResponse(http.StatusOK, map[string]any{
		field: render(keys[lo:hi]), "page": page, "limit": limit, "total": len(keys), "pageCount": pageCount(len(keys), limit),
	})
}

// keyInput is a validated create or update body.
type keyInput struct {
	description string
	permissions []string
	expiresAt   *time.Time
}

func parseKeyInput(body []byte, now time.Time) (keyInput, response, bool) {
	var raw struct {
		Description         string   `json:"description"`
		FlatPermissionsList []string `json:"flatPermissionsList"`
		ExpiresAt           *string  `json:"expiresAt"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return keyInput{}, invalidInput("the body must be a JSON object: " + err.Error()), false
	}
	// Stored as sent: only its blankness is checked, so a read-back matches what was sent.
	in := keyInput{description: raw.Description}
	if strings.TrimSpace(in.description) == "" {
		return keyInput{}, invalidInput("description is required"), false
	}
	known, unknown := normalizePermissions(raw.FlatPermissionsList)
	switch {
	case len(unknown) > 0:
		return keyInput{}, failure(http.StatusBadRequest, "Invalid permissions provided",
			"unknown permission(s): "+strings.Join(unknown, ", ")), false
	case len(known) == 0:
		return keyInput{}, failure(http.StatusBadRequest, "Invalid permissions provided",
			"at least one permission is required"), false
	}
	in.permissions = known
	if raw.ExpiresAt != nil {
		t, err := time.Parse(time.RFC3339Nano, *raw.ExpiresAt)
		if err != nil {
			return keyInput{}, invalidInput("expiresAt must be an RFC 3339 timestamp or null"), false
		}
		if !t.After(now) {
			return keyInput{}, invalidInput("expiresAt must be in the future"), false
		}
		// Kept at the precision the API answers with, so a read-back equals what is stored.
		t = t.UTC().Truncate(time.Millisecond)
		in.expiresAt = &t
	}
	return in, response{}, true
}

func (s *Server) createAPIKey(c *call) response {
	if resp, ok := c.requireKeyAdmin(); !ok {
		return resp
	}
	in, resp, ok := parseKeyInput(c.body, c.now)
	if !ok {
		return resp
	}
	k := s.insertAPIKey(c.account.AccountID, c.who.user.email, in.description, in.permissions, in.expiresAt, "", "")
	c.keyID = k.ID
	v := keyObject(k, s.variants)
	v.APISecret = k.Secret
	return jsonResponse(http.StatusCreated, v)
}

// pathKey finds the key the {id} segment names on the scoped account.
func (s *Server) pathKey(c *call) (*APIKey, response, bool) {
	id, err := strconv.ParseInt(c.id, 10, 64)
	if err != nil {
		return nil, invalidInput("API key id must be an integer"), false
	}
	c.keyID = id
	k, ok := s.lookupAPIKey(c.account.AccountID, id)
	if !ok {
		return nil, failure(http.StatusNotFound, "API key not found", ""), false
	}
	return k, response{}, true
}

func (s *Server) updateAPIKey(c *call) response {
	if resp, ok := c.requireKeyAdmin(); !ok {
		return resp
	}
	k, resp, ok := s.pathKey(c)
	if !ok {
		return resp
	}
	if resp, refused := s.refuseKeySession(c, k); refused {
		return resp
	}
	in, resp, ok := parseKeyInput(c.body, c.now)
	if !ok {
		return resp
	}
	k.Description, k.Permissions, k.ExpiresAt, k.UpdatedAt = in.description, in.permissions, in.expiresAt, c.now
	return s.keyWritten()
}

func (s *Server) deleteAPIKey(c *call) response {
	if resp, ok := c.requireKeyAdmin(); !ok {
		return resp
	}
	k, resp, ok := s.pathKey(c)
	if !ok {
		return resp
	}
	if resp, refused := s.refuseKeySession(c, k); refused {
		return resp
	}
	s.removeAPIKey(k.AccountID, k.ID)
	return s.keyWritten()
}
