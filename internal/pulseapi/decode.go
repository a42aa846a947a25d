package pulseapi

// Decoding of every documented response form (see pulse-api.md, the [varies] marks). The
// exported models carry no JSON tags; the wire types here absorb the differences between
// builds. Errors from these decoders never quote the body: it may carry a token or a secret.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// wirePermission is a permission as /permissions lists it, or as a key's permission list
// carries it: a bare string in some builds, an object in others.
type wirePermission struct {
	ID          flexInt
	Name        string
	Description string
	Category    string
}

// permissionNameFields are where a permission object may name its permission: GET
// /permissions has "permission"; builds differ in key objects. Matched as fieldIn matches.
var permissionNameFields = []string{"permission", "name", "permissionName"}

func (p *wirePermission) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*p = wirePermission{}
		return json.Unmarshal(b, &p.Name)
	}
	var o map[string]json.RawMessage
	if err := json.Unmarshal(b, &o); err != nil || o == nil {
		return errors.New("invalid permission: expected a string or an object")
	}
	var w struct {
		ID          flexInt    `json:"id"`
		Description flexString `json:"description"`
		Category    flexString `json:"category"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return errors.New("invalid permission object: " + err.Error())
	}
	*p = wirePermission{ID: w.ID, Description: string(w.Description), Category: string(w.Category)}
	// A permission dropped here would be missing from the key for good: the plan would then
	// show a change that no apply can make. An object that names none is an error instead.
	raw, _ := fieldIn(o, permissionNameFields...)
	var name flexString
	if raw == nil || json.Unmarshal(raw, &name) != nil || strings.TrimSpace(string(name)) == "" {
		return fmt.Errorf("a permission object names no permission: it has %s, and none of %s holds a name",
			fieldList(o), strings.Join(permissionNameFields, ", "))
	}
	p.Name = string(name)
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

	// noPermissions says why the object lists no permissions; "" when it does.
	noPermissions string
}

// UnmarshalJSON notes a key object with no permission list: read as none, the key would plan a
// change forever, so a listing refuses it (decodeKeyPage).
func (w *wireKey) UnmarshalJSON(b []byte) error {
	type plain wireKey
	if err := json.Unmarshal(b, (*plain)(w)); err != nil {
		return err
	}
	if w.Permissions != nil || w.FlatPermissions != nil {
		return nil
	}
	var o map[string]json.RawMessage
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	w.noPermissions = fmt.Sprintf("the key object with id %d lists no permissions: it has %s, and neither "+
		"permissions nor flatPermissionsList holds a list", w.ID, fieldList(o))
	return nil
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
// listed is false when it names no permissions: the caller knows what it asked for, and the
// answer holds the only copy of the secret, which must not be thrown away for it.
func decodeKey(body []byte) (k *APIKey, listed bool, err error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, false, errors.New("expected a JSON object")
	}
	if inner, ok := probe["data"]; ok && probe["id"] == nil {
		body = inner
	}
	var w wireKey
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, false, err
	}
	if w.ID == 0 {
		return nil, false, errors.New("the key object has no id")
	}
	key := w.key()
	return &key, w.noPermissions == "", nil
}

func decodeKeyPage(body []byte) (page[APIKey], error) {
	wp, err := decodeList[wireKey](body, listKeys...)
	p := page[APIKey]{Pages: wp.Pages, Total: wp.Total, Counted: wp.Counted}
	if err != nil {
		return p, err
	}
	p.Items = make([]APIKey, 0, len(wp.Items))
	for i := range wp.Items {
		if why := wp.Items[i].noPermissions; why != "" {
			return p, errors.New(why)
		}
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
