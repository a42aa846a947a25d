package pulseapi

// Decoding of every documented response form (see pulse-api.md, the [varies] marks). The
// exported models carry no JSON tags; the wire types here absorb the differences between
// builds. Errors from these decoders never quote the body: it may carry a token or a secret.

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// flexInt is an integer sent as a JSON number or a numeric string; null is 0.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		*f = 0
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return errors.New("invalid integer")
		}
		if s = strings.TrimSpace(s); s == "" {
			*f = 0
			return nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// 3.0 and 3e2 are integers too.
		fl, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || fl != float64(int64(fl)) {
			return errors.New("invalid integer")
		}
		n = int64(fl)
	}
	*f = flexInt(n)
	return nil
}

// flexString is a string that some builds send as a number (account ids, repcodes); the
// number's literal digits are kept, so long ids lose no precision. null is "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return errors.New("invalid string")
		}
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return errors.New("expected a string or a number")
		}
		*f = flexString(n.String())
	}
	return nil
}

// flexTime is an RFC 3339 time with or without fractional seconds; null or "" is the zero time.
type flexTime time.Time

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"}

func (f *flexTime) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("invalid time: expected an RFC 3339 string")
	}
	if s == nil || strings.TrimSpace(*s) == "" {
		*f = flexTime{}
		return nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, strings.TrimSpace(*s)); err == nil {
			*f = flexTime(t)
			return nil
		}
	}
	return errors.New("invalid time: expected an RFC 3339 string")
}

func (f flexTime) time() time.Time { return time.Time(f) }

// ptr is nil for the zero time (a key that never expires).
func (f flexTime) ptr() *time.Time {
	if time.Time(f).IsZero() {
		return nil
	}
	t := time.Time(f)
	return &t
}

// wirePermission is a permission as /permissions lists it, or as a key's permission list
// carries it: a bare string in some builds, an object in others.
type wirePermission struct {
	ID          flexInt
	Name        string
	Description string
	Category    string
}

func (p *wirePermission) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*p = wirePermission{}
		return json.Unmarshal(b, &p.Name)
	}
	var o struct {
		ID          flexInt    `json:"id"`
		Permission  flexString `json:"permission"`
		Name        flexString `json:"name"`
		Description flexString `json:"description"`
		Category    flexString `json:"category"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return errors.New("invalid permission: expected a string or an object")
	}
	*p = wirePermission{ID: o.ID, Name: string(o.Permission), Description: string(o.Description), Category: string(o.Category)}
	if p.Name == "" {
		p.Name = string(o.Name)
	}
	return nil
}

// permissionNames are the names of ps, each once: a build that lists a permission twice must
// not make a set of them fail.
func permissionNames(ps []wirePermission) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		if p.Name != "" && !slices.Contains(out, p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

// wireAccount is an account summary or a full account object: the session carries either,
// GET /accounts the full one. Names come as accountName or name.
type wireAccount struct {
	ID                   flexInt          `json:"id"`
	AccountID            flexString       `json:"accountId"`
	AccountName          flexString       `json:"accountName"`
	Name                 flexString       `json:"name"`
	UniqueID             flexString       `json:"uniqueId"`
	Repcode              flexString       `json:"repcode"`
	CustomerServicePhone flexString       `json:"customerServicePhone"`
	CustomerServiceEmail flexString       `json:"customerServiceEmail"`
	Permissions          []wirePermission `json:"permissions"`
	Roles                []flexString     `json:"roles"`
	UsersPrimaryAccount  bool             `json:"usersPrimaryAccount"`
	AccountAdmin         bool             `json:"accountAdmin"`
	AccountTypeID        flexInt          `json:"accountTypeId"`
	CreatedAt            flexTime         `json:"createdAt"`
	UpdatedAt            flexTime         `json:"updatedAt"`
}

func (w *wireAccount) name() string {
	if w.AccountName != "" {
		return string(w.AccountName)
	}
	return string(w.Name)
}

func (w *wireAccount) summary() AccountSummary {
	return AccountSummary{
		AccountID:           string(w.AccountID),
		AccountName:         w.name(),
		Repcode:             string(w.Repcode),
		UsersPrimaryAccount: w.UsersPrimaryAccount,
		AccountAdmin:        w.AccountAdmin,
	}
}

func (w *wireAccount) account() Account {
	roles := flexStrings(w.Roles)
	return Account{
		ID:                   int64(w.ID),
		AccountID:            string(w.AccountID),
		AccountName:          w.name(),
		UniqueID:             string(w.UniqueID),
		Repcode:              string(w.Repcode),
		CustomerServicePhone: string(w.CustomerServicePhone),
		CustomerServiceEmail: string(w.CustomerServiceEmail),
		Permissions:          permissionNames(w.Permissions),
		Roles:                roles,
		UsersPrimaryAccount:  w.UsersPrimaryAccount,
		AccountAdmin:         w.AccountAdmin,
		AccountTypeID:        int64(w.AccountTypeID),
		CreatedAt:            w.CreatedAt.time(),
		UpdatedAt:            w.UpdatedAt.time(),
	}
}

type wireSession struct {
	ID             flexInt       `json:"id"`
	Email          flexString    `json:"email"`
	Active         bool          `json:"active"`
	CreatedAt      flexTime      `json:"createdAt"`
	UpdatedAt      flexTime      `json:"updatedAt"`
	PrimaryAccount *wireAccount  `json:"primaryAccount"`
	Accounts       []wireAccount `json:"accounts"`
	Roles          []flexString  `json:"flatRolesList"`
	Permissions    []flexString  `json:"flatPermissionsList"`
	Token          string        `json:"token"`
	ExpiresAt      flexTime      `json:"expiresAt"`
}

// decodeSession reads the session payload of POST /auth/login (and GET /auth/session). The
// token is returned apart: it never goes into a Session.
func decodeSession(body []byte) (*Session, string, error) {
	var w wireSession
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, "", err
	}
	s := &Session{
		UserID:    int64(w.ID),
		Email:     string(w.Email),
		Active:    w.Active,
		Roles:     flexStrings(w.Roles),
		ExpiresAt: w.ExpiresAt.time(),
		CreatedAt: w.CreatedAt.time(),
		UpdatedAt: w.UpdatedAt.time(),
	}
	s.Permissions = flexStrings(w.Permissions)
	if w.PrimaryAccount != nil {
		s.PrimaryAccount = w.PrimaryAccount.summary()
	}
	s.Accounts = make([]AccountSummary, 0, len(w.Accounts))
	for i := range w.Accounts {
		s.Accounts = append(s.Accounts, w.Accounts[i].summary())
	}
	return s, w.Token, nil
}

// flexStrings are in as strings, each once (the provider keeps them in sets).
func flexStrings(in []flexString) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if !slices.Contains(out, string(s)) {
			out = append(out, string(s))
		}
	}
	return out
}

type wireKey struct {
	ID               flexInt          `json:"id"`
	AccountID        flexString       `json:"accountId"`
	Description      flexString       `json:"description"`
	ExpiresAt        flexTime         `json:"expiresAt"`
	Permissions      []wirePermission `json:"permissions"`
	FlatPermissions  []wirePermission `json:"flatPermissionsList"`
	APIKey           flexString       `json:"apiKey"`
	LastFourOfSecret flexString       `json:"lastFourOfSecret"`
	CreatedAt        flexTime         `json:"createdAt"`
	UpdatedAt        flexTime         `json:"updatedAt"`
	APISecret        string           `json:"apiSecret"`
}

func (w *wireKey) key() APIKey {
	perms := w.Permissions
	if perms == nil {
		perms = w.FlatPermissions
	}
	return APIKey{
		ID:               int64(w.ID),
		AccountID:        string(w.AccountID),
		Description:      string(w.Description),
		Permissions:      permissionNames(perms),
		APIKey:           string(w.APIKey),
		LastFourOfSecret: string(w.LastFourOfSecret),
		ExpiresAt:        w.ExpiresAt.ptr(),
		CreatedAt:        w.CreatedAt.time(),
		UpdatedAt:        w.UpdatedAt.time(),
		Secret:           w.APISecret,
	}
}

// decodeKey reads the key object POST /apikeys answers (also accepted inside {"data": ...}).
func decodeKey(body []byte) (*APIKey, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, errors.New("expected a JSON object")
	}
	if inner, ok := probe["data"]; ok && probe["id"] == nil {
		body = inner
	}
	var w wireKey
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, err
	}
	if w.ID == 0 {
		return nil, errors.New("the key object has no id")
	}
	k := w.key()
	return &k, nil
}

// page is one page of a list: the items and what the page says about the rest.
type page[T any] struct {
	Items []T
	// Pages is the total page count, Total the total item count; 0 when not given.
	Pages, Total int
	// Counted says that the answer was a wrapper giving either count.
	Counted bool
}

var listKeys = []string{"data", "items", "apiKeys", "keys", "results"}

// decodeList reads a list answered as a bare array or as a wrapper holding the array under
// one of names (then pageCount/totalPages and total/totalCount describe the rest).
func decodeList[T any](body []byte, names ...string) (page[T], error) {
	var p page[T]
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		err := json.Unmarshal(body, &p.Items)
		return p, err
	}
	var w map[string]json.RawMessage
	if err := json.Unmarshal(body, &w); err != nil {
		return p, errors.New("expected a JSON array or object")
	}
	found := false
	for _, name := range names {
		raw, ok := w[name]
		if !ok || !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
			continue
		}
		if err := json.Unmarshal(raw, &p.Items); err != nil {
			return p, err
		}
		found = true
		break
	}
	for _, name := range names {
		if raw, ok := w[name]; !found && ok && string(bytes.TrimSpace(raw)) == "null" {
			found = true // an empty list sent as null
		}
	}
	if !found {
		return p, errors.New("no list in the response (looked for " + strings.Join(names, ", ") + ")")
	}
	var pagesGiven, totalGiven bool
	p.Pages, pagesGiven = firstInt(w, "pageCount", "totalPages")
	p.Total, totalGiven = firstInt(w, "total", "totalCount")
	p.Counted = pagesGiven || totalGiven
	return p, nil
}

// firstInt is the first of names that w holds as a count, and whether there was one.
func firstInt(w map[string]json.RawMessage, names ...string) (int, bool) {
	for _, name := range names {
		var n flexInt
		if raw, ok := w[name]; ok && json.Unmarshal(raw, &n) == nil && n >= 0 && n < 1<<31 {
			return int(n), true
		}
	}
	return 0, false
}

func decodeKeyPage(body []byte) (page[APIKey], error) {
	wp, err := decodeList[wireKey](body, listKeys...)
	p := page[APIKey]{Pages: wp.Pages, Total: wp.Total, Counted: wp.Counted}
	if err != nil {
		return p, err
	}
	p.Items = make([]APIKey, 0, len(wp.Items))
	for i := range wp.Items {
		p.Items = append(p.Items, wp.Items[i].key())
	}
	return p, nil
}

func decodeAccountPage(body []byte) (page[Account], error) {
	wp, err := decodeList[wireAccount](body, append([]string{"accounts"}, listKeys...)...)
	p := page[Account]{Pages: wp.Pages, Total: wp.Total, Counted: wp.Counted}
	if err != nil {
		return p, err
	}
	p.Items = make([]Account, 0, len(wp.Items))
	for i := range wp.Items {
		p.Items = append(p.Items, wp.Items[i].account())
	}
	return p, nil
}

func decodePermissions(body []byte) ([]Permission, error) {
	wp, err := decodeList[wirePermission](body, append([]string{"permissions"}, listKeys...)...)
	if err != nil {
		return nil, err
	}
	out := make([]Permission, 0, len(wp.Items))
	for _, p := range wp.Items {
		if p.Name != "" {
			out = append(out, Permission{ID: int64(p.ID), Name: p.Name, Description: p.Description, Category: p.Category})
		}
	}
	return out, nil
}
