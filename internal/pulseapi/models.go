package pulseapi

import "time"

// Session is the caller's session as /auth/login and /auth/session describe it. The token
// itself is kept inside the Client and never handed out.
type Session struct {
	UserID         int64
	Email          string
	Active         bool
	Roles          []string
	Permissions    []string
	PrimaryAccount AccountSummary
	Accounts       []AccountSummary
	// ExpiresAt is the token's expiry; zero when the server did not say.
	ExpiresAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AccountSummary is an account as the session lists it. Builds that return full account
// objects in the session are decoded into the same shape.
type AccountSummary struct {
	AccountID           string
	AccountName         string
	Repcode             string
	UsersPrimaryAccount bool
	AccountAdmin        bool
}

// Account is an account as GET /accounts returns it.
type Account struct {
	ID                   int64
	AccountID            string
	AccountName          string
	UniqueID             string
	Repcode              string
	CustomerServicePhone string
	CustomerServiceEmail string
	Permissions          []string
	Roles                []string
	UsersPrimaryAccount  bool
	AccountAdmin         bool
	AccountTypeID        int64
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// AccountFilter narrows GET /accounts; empty fields are not sent.
type AccountFilter struct {
	Name    string
	Repcode string
}

// Permission is one permission grantable on an account.
type Permission struct {
	ID          int64
	Name        string
	Description string
	Category    string
}

// APIKey is a key as the API describes it. Secret is set only on the value CreateAPIKey
// returns: the API hands it out once.
type APIKey struct {
	ID               int64
	AccountID        string
	Description      string
	Permissions      []string
	APIKey           string
	LastFourOfSecret string
	// ExpiresAt is nil for a key that never expires.
	ExpiresAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	Secret    string
}

// APIKeyInput is the body of a create or of a full-replace update.
type APIKeyInput struct {
	Description string
	Permissions []string
	// ExpiresAt nil sends null: the key never expires.
	ExpiresAt *time.Time
}
