package emulator

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// systemEmail is who the session payload says created and last updated a user; the
// emulator has no user administration for it to name anyone else.
const systemEmail = "system@example.com"

const (
	msgBadKey     = "invalid API key or secret"
	msgKeyExpired = "API key has expired"
)

// session is what a token stands for. It holds ids rather than pointers so that a key
// deleted after login is noticed on the session's next use.
type session struct {
	email   string
	keyID   int64 // 0 for a user's own session; key ids start at 1
	expires time.Time
}

// principal is who is calling: a user, or an API key acting for its owner.
type principal struct {
	user *user
	key  *APIKey // nil for a user's own session
	// ownAccount confines a key to its own account (Variants.KeySessionOwnAccount).
	ownAccount bool
}

// member reports whether the caller may act on an account at all.
func (p principal) member(accountID string) bool {
	_, _, member := p.access(accountID)
	return member
}

// primary is the account a call acts on without X-Account-ID: a key's own account, else
// the user's primary account.
func (p principal) primary() string {
	if p.key != nil {
		return p.key.AccountID
	}
	return p.user.primary
}

// access is the caller's role and effective permissions on an account. A key never
// exceeds its owner: its permissions are intersected with the owner's role there.
func (p principal) access(accountID string) (role string, perms []string, member bool) {
	role, member = p.user.memberships[accountID]
	if !member || (p.ownAccount && p.key != nil && accountID != p.key.AccountID) {
		return "", nil, false
	}
	perms = rolePermissions(role)
	if p.key != nil {
		perms = intersect(perms, p.key.Permissions)
	}
	return role, perms, true
}

func unauthorized(message string) response {
	return failure(http.StatusUnauthorized, "Unauthorized", message)
}

// authenticate identifies the caller and resolves the scoped account. The caller holds s.mu.
func (s *Server) authenticate(c *call) (response, bool) {
	if resp, ok := s.identify(c); !ok {
		return resp, false
	}
	accountID := strings.TrimSpace(c.r.Header.Get("X-Account-ID"))
	if accountID == "" {
		accountID = c.who.primary()
	}
	_, perms, member := c.who.access(accountID)
	account, exists := s.accountByID[accountID]
	if !member || !exists {
		return s.noAccess(accountID), false
	}
	c.account, c.perms = account, perms
	return response{}, true
}

// identify sets c.who from a Bearer token, sliding its expiry, or from direct key headers.
func (s *Server) identify(c *call) (response, bool) {
	h := c.r.Header
	if auth := h.Get("Authorization"); auth != "" {
		scheme, token, _ := strings.Cut(auth, " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			return unauthorized("the Authorization header must be Bearer <token>"), false
		}
		return s.bearer(c, token)
	}
	apiKey, secret := h.Get("x-api-key"), h.Get("x-api-secret")
	if apiKey == "" && secret == "" {
		return unauthorized("missing session token"), false
	}
	k, problem := s.checkKey(apiKey, secret, c.now)
	if k == nil {
		return unauthorized(problem), false
	}
	c.who = s.keyPrincipal(k)
	return response{}, true
}

func (s *Server) bearer(c *call, token string) (response, bool) {
	sess, ok := s.sessions[token]
	if !ok || !c.now.Before(sess.expires) {
		// An expired token can never work again, so its session goes as soon as it is met.
		delete(s.sessions, token)
		return unauthorized("session token is invalid or has expired"), false
	}
	who := principal{user: s.users[sess.email]}
	if sess.keyID != 0 {
		k, ok := s.keyByID[sess.keyID]
		if !ok || k.expired(c.now) {
			delete(s.sessions, token)
			return unauthorized("the API key this session was opened with was deleted or has expired"), false
		}
		who = s.keyPrincipal(k)
	}
	sess.expires = c.now.Add(s.ttl)
	c.who, c.token, c.expires = who, token, sess.expires
	return response{}, true
}

// checkKey finds the key a public id and secret open, or says what is wrong with them.
func (s *Server) checkKey(apiKey, secret string, now time.Time) (*APIKey, string) {
	k, ok := s.keyByPublic[apiKey]
	if !ok || subtle.ConstantTimeCompare([]byte(k.Secret), []byte(secret)) != 1 {
		return nil, msgBadKey
	}
	if k.expired(now) {
		return nil, msgKeyExpired
	}
	return k, ""
}

func (s *Server) login(c *call) response {
	s.logins++
	var in struct {
		APIKey    string `json:"apiKey"`
		APISecret string `json:"apiSecret"`
		Email     string `json:"email"`
		Password  string `json:"password"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil {
		return invalidInput("the body must be a JSON object: " + err.Error())
	}
	var who principal
	switch {
	case in.APIKey != "" && in.APISecret != "":
		k, problem := s.checkKey(in.APIKey, in.APISecret, c.now)
		if k == nil {
			// The documented answer carries no message; an expired key gets one because
			// retrying with the same credentials cannot help.
			message := ""
			if problem == msgKeyExpired {
				message = problem
			}
			return failure(http.StatusUnauthorized, "Invalid API key or secret", message)
		}
		who = s.keyPrincipal(k)
	case in.Email != "" && in.Password != "":
		u, ok := s.users[in.Email]
		if !ok || subtle.ConstantTimeCompare([]byte(u.password), []byte(in.Password)) != 1 {
			return failure(http.StatusUnauthorized, "Invalid email or password", "")
		}
		who = principal{user: u}
	default:
		return invalidInput("send apiKey and apiSecret, or email and password")
	}
	token, expires := s.issueToken(who, c.now)
	return jsonResponse(http.StatusOK, s.sessionPayload(who, who.primary(), token, expires))
}

func (s *Server) getSession(c *call) response {
	return jsonResponse(http.StatusOK, s.sessionPayload(c.who, c.account.AccountID, c.token, c.expires))
}

// issueToken opens a session for who. The caller holds s.mu.
func (s *Server) issueToken(who principal, now time.Time) (string, time.Time) {
	var token string
	for token == "" || s.sessions[token] != nil {
		if s.variants.JWTTokens {
			token = jwtShapedToken(who.user, now)
		} else {
			token = randomString(hexDigits, 64)
		}
	}
	sess := &session{email: who.user.email, expires: now.Add(s.ttl)}
	if who.key != nil {
		sess.keyID = who.key.ID
	}
	s.sessions[token] = sess
	s.secrets = append(s.secrets, token)
	return token, sess.expires
}

// jwtShapedToken looks like a JWT to a client that peeks inside, but the emulator never
// verifies it: like a hex token, it is only a key into the session table.
func jwtShapedToken(u *user, now time.Time) string {
	enc := base64.RawURLEncoding
	claims := `{"sub":"` + strconv.FormatInt(u.id, 10) + `","email":` + strconv.Quote(u.email) +
		`,"iat":` + strconv.FormatInt(now.Unix(), 10) + `,"jti":"` + randomString(hexDigits, 16) + `"}`
	return enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(claims)) + "." +
		enc.EncodeToString([]byte(randomString(mixedAlnum, 32)))
}

type roleGrant struct {
	Role      string  `json:"role"`
	AccountID *string `json:"accountId"`
}

// sessionView is the documented session payload.
type sessionView struct {
	ID                          int64                  `json:"id"`
	Email                       string                 `json:"email"`
	Active                      bool                   `json:"active"`
	CreatedAt                   string                 `json:"createdAt"`
	UpdatedAt                   string                 `json:"updatedAt"`
	CreatedBy                   string                 `json:"createdBy"`
	UpdatedBy                   string                 `json:"updatedBy"`
	Impersonating               *string                `json:"impersonating"`
	PrimaryAccount              any                    `json:"primaryAccount"`
	Accounts                    []any                  `json:"accounts"`
	FlatRolesList               []string               `json:"flatRolesList"`
	FlatPermissionsList         []string               `json:"flatPermissionsList"`
	PermissionsFromRoles        []string               `json:"permissionsFromRoles"`
	PermissionsFromRolesDetails map[string][]roleGrant `json:"permissionsFromRolesDetails"`
	Token                       string                 `json:"token,omitempty"`
	ExpiresAt                   string                 `json:"expiresAt,omitempty"`
}

// sessionPayload describes who's session; roles and permissions are those on the scoped
// account. token is "" under direct key auth, which has no token and so no expiry either.
// The caller holds s.mu.
func (s *Server) sessionPayload(who principal, scoped, token string, expires time.Time) sessionView {
	u := who.user
	v := sessionView{
		ID:                          u.id,
		Email:                       u.email,
		Active:                      true,
		CreatedAt:                   formatTime(u.createdAt),
		UpdatedAt:                   formatTime(u.createdAt),
		CreatedBy:                   systemEmail,
		UpdatedBy:                   systemEmail,
		Accounts:                    []any{},
		FlatRolesList:               []string{},
		FlatPermissionsList:         []string{},
		PermissionsFromRoles:        []string{},
		PermissionsFromRolesDetails: map[string][]roleGrant{},
		Token:                       token,
	}
	if token != "" && !s.variants.OmitExpiresAt {
		v.ExpiresAt = formatTime(expires)
	}
	for _, a := range s.accounts {
		if !who.member(a.AccountID) {
			continue
		}
		view := s.sessionAccount(who, a)
		v.Accounts = append(v.Accounts, view)
		if a.AccountID == who.primary() {
			v.PrimaryAccount = view
		}
	}
	if role, perms, member := who.access(scoped); member {
		v.FlatRolesList = []string{role}
		v.FlatPermissionsList = perms
		v.PermissionsFromRoles = rolePermissions(role)
		// The documents' one example is a superAdmin with a null accountId: that role is
		// global. The other roles are held on an account, which the grant names.
		grant := roleGrant{Role: role}
		if role != RoleSuperAdmin {
			grant.AccountID = &scoped
		}
		for _, p := range v.PermissionsFromRoles {
			v.PermissionsFromRolesDetails[p] = []roleGrant{grant}
		}
	}
	return v
}

type accountSummary struct {
	AccountName         string  `json:"accountName"`
	AccountID           string  `json:"accountId"`
	Repcode             *string `json:"repcode"`
	UsersPrimaryAccount bool    `json:"usersPrimaryAccount"`
	AccountAdmin        bool    `json:"accountAdmin"`
}

// sessionAccount is an account as the session lists it, in the current variant's shape.
func (s *Server) sessionAccount(who principal, a *Account) any {
	if s.variants.FullAccountsInSession {
		return accountObject(who, a)
	}
	return accountSummary{
		AccountName:         a.AccountName,
		AccountID:           a.AccountID,
		Repcode:             nullable(a.Repcode),
		UsersPrimaryAccount: a.AccountID == who.user.primary,
		AccountAdmin:        isAdminRole(who.user.memberships[a.AccountID]),
	}
}

func nullable(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}
