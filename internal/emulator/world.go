package emulator

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// The worlds NewSmall and NewSeeded build.
const (
	AccountAcmeCorp = "6591739253089529"
	AccountAcmeLabs = "7402850364190630"
	// AccountGlobex is an account the admin is not a member of, for "no access" tests;
	// only NewSeeded has it.
	AccountGlobex = "8513961475201741"

	AdminEmail     = "admin@example.com"
	AdminPassword  = "emulator-admin-password"
	ViewerEmail    = "viewer@example.com"
	ViewerPassword = "emulator-viewer-password"

	// BootstrapAPIKey and BootstrapAPISecret are the admin's key on Acme Corp, holding every
	// permission: the credentials the provider is configured with against the emulator.
	BootstrapAPIKey    = "apiKey-emulatorbootstrap0000"
	BootstrapAPISecret = "emulator-bootstrap-secret-0000000000000000000000"
)

// Roles a membership can grant.
const (
	RoleSuperAdmin = "superAdmin"
	RoleAdmin      = "admin"
	RoleUser       = "user"
)

// seedTime stamps the standard world, so that its timestamps are the same on every run.
var seedTime = time.Date(2025, 2, 11, 3, 45, 4, 853_000_000, time.UTC)

// Account is an account (tenant) of the world.
type Account struct {
	ID          int64 // 0 = assigned by AddAccount
	AccountID   string
	AccountName string
	// UniqueID "" = derived from AccountID.
	UniqueID string
	// Repcode "" is sent as null.
	Repcode              string
	CustomerServicePhone string
	CustomerServiceEmail string
	AccountTypeID        int64     // 0 = 1
	CreatedAt            time.Time // zero = now
	UpdatedAt            time.Time // zero = CreatedAt
}

// APIKey is an API key as the emulator stores it.
type APIKey struct {
	ID          int64
	AccountID   string
	OwnerEmail  string
	Description string
	// Permissions are in catalogue order, without duplicates.
	Permissions []string
	APIKey      string
	// Secret is here so tests can log in with keys the provider created; the API itself
	// hands it out only once.
	Secret    string
	ExpiresAt *time.Time // nil = never expires
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (k *APIKey) clone() APIKey {
	c := *k
	c.Permissions = slices.Clone(k.Permissions)
	if k.ExpiresAt != nil {
		t := *k.ExpiresAt
		c.ExpiresAt = &t
	}
	return c
}

func (k *APIKey) expired(now time.Time) bool {
	return k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)
}

type user struct {
	id          int64
	email       string
	password    string
	memberships map[string]string // account id → role
	primary     string
	createdAt   time.Time
}

// permission is one entry of the grantable catalogue.
type permission struct {
	ID          int64  `json:"id"`
	Name        string `json:"permission"`
	Description string `json:"description"`
	Category    string `json:"category"`
}

var catalogue = []permission{
	{1, "readApplications", "View merchant applications", "Applications"},
	{2, "writeApplications", "Create and edit merchant applications", "Applications"},
	{3, "readMerchants", "View merchants", "Merchants"},
	{4, "writeMerchants", "Create and edit merchants", "Merchants"},
	{5, "writeApiKeys", "Create, update and delete API keys", "API Keys"},
	{6, "readSupport", "View support resources", "Support"},
	{7, "readData", "View reporting data", "Data"},
	{8, "writeData", "Import and edit reporting data", "Data"},
	{9, "readTickets", "View support tickets", "Support"},
}

func catalogueEntry(name string) (permission, bool) {
	i := slices.IndexFunc(catalogue, func(p permission) bool { return p.Name == name })
	if i < 0 {
		return permission{}, false
	}
	return catalogue[i], true
}

// rolePermissions is what a role grants on its account: administrators everything, plain
// users only the read permissions.
func rolePermissions(role string) []string {
	var out []string
	for _, p := range catalogue {
		if role == RoleSuperAdmin || role == RoleAdmin || strings.HasPrefix(p.Name, "read") {
			out = append(out, p.Name)
		}
	}
	return out
}

func knownRole(role string) bool {
	return role == RoleSuperAdmin || role == RoleAdmin || role == RoleUser
}

func isAdminRole(role string) bool {
	return role == RoleSuperAdmin || role == RoleAdmin
}

// normalizePermissions returns names in catalogue order without duplicates, and the names
// the catalogue does not know.
func normalizePermissions(names []string) (known, unknown []string) {
	for _, p := range catalogue {
		if slices.Contains(names, p.Name) {
			known = append(known, p.Name)
		}
	}
	for _, n := range names {
		if _, ok := catalogueEntry(n); !ok && !slices.Contains(unknown, n) {
			unknown = append(unknown, n)
		}
	}
	return known, unknown
}

// intersect keeps the names of a that are in b, in a's order.
func intersect(a, b []string) []string {
	var out []string
	for _, n := range a {
		if slices.Contains(b, n) {
			out = append(out, n)
		}
	}
	return out
}

const (
	hexDigits  = "0123456789abcdef"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	mixedAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// randomString draws from math/rand/v2, whose global source is randomly seeded per process:
// emulated credentials need to be unpredictable across runs, not secure.
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

// derivedUniqueID makes a UUID-shaped id that is stable for an account id.
func derivedUniqueID(accountID string) string {
	h := sha256.Sum256([]byte("pulse-emulator-account/" + accountID))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// AddAccount adds an account to the world, filling the zero fields as Account documents.
// An account with the AccountID of an existing one replaces it in place. It panics on an
// empty AccountID: world building is test setup, and a silent no-op would hide the mistake.
func (s *Server) AddAccount(a Account) {
	if a.AccountID == "" {
		panic("emulator: AddAccount needs an AccountID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.UniqueID == "" {
		a.UniqueID = derivedUniqueID(a.AccountID)
	}
	if a.AccountTypeID == 0 {
		a.AccountTypeID = 1
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.now()
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	if old, ok := s.accountByID[a.AccountID]; ok {
		if a.ID == 0 {
			a.ID = old.ID
		}
		*old = a
		return
	}
	if a.ID == 0 {
		a.ID = s.nextAccountID
	}
	s.nextAccountID = max(s.nextAccountID, a.ID+1)
	s.accounts = append(s.accounts, &a)
	s.accountByID[a.AccountID] = &a
}

// AddUser adds a user with memberships (account id → role) and a primary account, or
// replaces the password, memberships and primary of an existing user with that email. It
// panics on an unknown account or role, or a primary the user is not a member of.
func (s *Server) AddUser(email, password string, memberships map[string]string, primary string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, role := range memberships {
		if _, ok := s.accountByID[id]; !ok {
			panic(fmt.Sprintf("emulator: AddUser %s: unknown account %q", email, id))
		}
		if !knownRole(role) {
			panic(fmt.Sprintf("emulator: AddUser %s: unknown role %q", email, role))
		}
	}
	if _, ok := memberships[primary]; !ok {
		panic(fmt.Sprintf("emulator: AddUser %s: primary account %q is not among the memberships", email, primary))
	}
	u, ok := s.users[email]
	if !ok {
		u = &user{id: s.nextUserID, email: email, createdAt: s.now()}
		s.nextUserID++
		s.users[email] = u
	}
	u.password = password
	s.secrets = append(s.secrets, password)
	u.memberships = maps.Clone(memberships)
	u.primary = primary
}

// AddAPIKey adds a never-expiring key on accountID owned by ownerEmail and returns its id,
// public key and secret. It panics on an unknown account or owner, an owner who is not a
// member of the account, or an empty or unknown permission list.
func (s *Server) AddAPIKey(accountID, ownerEmail string, permissions []string, description string) (id int64, apiKey, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkKeyOwner(accountID, ownerEmail); err != nil {
		panic("emulator: AddAPIKey: " + err.Error())
	}
	known, unknown := normalizePermissions(permissions)
	if len(known) == 0 || len(unknown) > 0 {
		panic(fmt.Sprintf("emulator: AddAPIKey: bad permissions %q", permissions))
	}
	k := s.insertAPIKey(accountID, ownerEmail, description, known, nil, "", "")
	return k.ID, k.APIKey, k.Secret
}

// SeedAPIKeys adds n read-only keys on accountID owned by ownerEmail, for benchmarks, and
// returns their ids. It panics as AddAPIKey does.
func (s *Server) SeedAPIKeys(accountID, ownerEmail string, n int) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, err := s.seedAPIKeys(accountID, ownerEmail, n)
	if err != nil {
		panic("emulator: SeedAPIKeys: " + err.Error())
	}
	return ids
}

func (s *Server) seedAPIKeys(accountID, ownerEmail string, n int) ([]int64, error) {
	if err := s.checkKeyOwner(accountID, ownerEmail); err != nil {
		return nil, err
	}
	ids := make([]int64, 0, max(n, 0))
	for i := range n {
		k := s.insertAPIKey(accountID, ownerEmail, fmt.Sprintf("seeded key %d", i+1),
			[]string{"readApplications", "readData"}, nil, "", "")
		ids = append(ids, k.ID)
	}
	return ids, nil
}

// checkKeyOwner tells why ownerEmail cannot own a key on accountID, if it cannot. The
// caller holds s.mu.
func (s *Server) checkKeyOwner(accountID, ownerEmail string) error {
	if _, ok := s.accountByID[accountID]; !ok {
		return fmt.Errorf("unknown account %q", accountID)
	}
	u, ok := s.users[ownerEmail]
	if !ok {
		return fmt.Errorf("unknown user %q", ownerEmail)
	}
	if _, ok := u.memberships[accountID]; !ok {
		return fmt.Errorf("user %q is not a member of account %q", ownerEmail, accountID)
	}
	return nil
}

// insertAPIKey stores a new key; an empty apiKey or secret is generated. The caller holds
// s.mu and has validated everything.
func (s *Server) insertAPIKey(accountID, ownerEmail, description string, perms []string, expiresAt *time.Time, apiKey, secret string) *APIKey {
	for apiKey == "" {
		candidate := "apiKey-" + randomString(lowerAlnum, 24)
		if _, taken := s.keyByPublic[candidate]; !taken {
			apiKey = candidate
		}
	}
	if secret == "" {
		secret = randomString(mixedAlnum, 48)
	}
	now := s.now()
	k := &APIKey{
		ID:          s.nextKeyID,
		AccountID:   accountID,
		OwnerEmail:  ownerEmail,
		Description: description,
		Permissions: perms,
		APIKey:      apiKey,
		Secret:      secret,
		ExpiresAt:   expiresAt,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	s.nextKeyID++
	s.secrets = append(s.secrets, secret)
	s.keyByID[k.ID] = k
	s.keyByPublic[k.APIKey] = k
	// Ids only grow, so appending keeps each account's slice sorted by id.
	s.keysByAccount[accountID] = append(s.keysByAccount[accountID], k)
	return k
}

// APIKeys returns copies of the keys on accountID, ordered by id.
func (s *Server) APIKeys(accountID string) []APIKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := s.keysByAccount[accountID]
	out := make([]APIKey, len(keys))
	for i, k := range keys {
		out[i] = k.clone()
	}
	return out
}

// DeleteAPIKey deletes a key out of band, as another administrator would, and reports
// whether accountID had it. Sessions opened with the key stop working.
func (s *Server) DeleteAPIKey(accountID string, id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removeAPIKey(accountID, id)
}

// removeAPIKey deletes a key if accountID has it. The caller holds s.mu.
func (s *Server) removeAPIKey(accountID string, id int64) bool {
	k, ok := s.keyByID[id]
	if !ok || k.AccountID != accountID {
		return false
	}
	delete(s.keyByID, id)
	delete(s.keyByPublic, k.APIKey)
	keys := s.keysByAccount[accountID]
	if i, found := slices.BinarySearchFunc(keys, id, func(k *APIKey, id int64) int {
		return cmp.Compare(k.ID, id)
	}); found {
		s.keysByAccount[accountID] = slices.Delete(keys, i, i+1)
	}
	return true
}

// lookupAPIKey finds a key by id if accountID has it. The caller holds s.mu.
func (s *Server) lookupAPIKey(accountID string, id int64) (*APIKey, bool) {
	k, ok := s.keyByID[id]
	if !ok || k.AccountID != accountID {
		return nil, false
	}
	return k, true
}

// NewSmall returns a server with the small world: Acme Corp and Acme Labs, the admin
// (superAdmin of Acme Corp, admin of Acme Labs) and the viewer, and the bootstrap key. It is
// the world a person trying the provider sees: the demo, the examples and the pulse-emulator
// command serve it.
func NewSmall(opts Options) *Server {
	return seed(New(opts), false)
}

// NewSeeded returns a server with the standard world the tests use: the small world, plus
// Globex, which the admin is not a member of, and twelve "Acme Region" accounts the admin
// may read, so that the admin's account list spans two pages at the default page size.
func NewSeeded(opts Options) *Server {
	return seed(New(opts), true)
}

// seed adds a world to an empty server, in the order its accounts are listed.
func seed(s *Server, large bool) *Server {
	s.AddAccount(Account{
		AccountID: AccountAcmeCorp, AccountName: "Acme Corp", Repcode: "3",
		CustomerServicePhone: "+1-555-0100", CustomerServiceEmail: "support@acme.example",
		CreatedAt: seedTime,
	})
	s.AddAccount(Account{
		AccountID: AccountAcmeLabs, AccountName: "Acme Labs",
		CustomerServicePhone: "+1-555-0101", CustomerServiceEmail: "labs@acme.example",
		CreatedAt: seedTime,
	})
	admin := map[string]string{AccountAcmeCorp: RoleSuperAdmin, AccountAcmeLabs: RoleAdmin}
	if large {
		s.AddAccount(Account{
			AccountID: AccountGlobex, AccountName: "Globex", Repcode: "7",
			CustomerServicePhone: "+1-555-0199", CustomerServiceEmail: "help@globex.example",
			CreatedAt: seedTime,
		})
		for i := 1; i <= 12; i++ {
			id := fmt.Sprintf("91000000000000%02d", i)
			s.AddAccount(Account{
				AccountID: id, AccountName: fmt.Sprintf("Acme Region %02d", i), Repcode: fmt.Sprint(100 + i),
				CustomerServicePhone: "+1-555-0100", CustomerServiceEmail: "support@acme.example",
				CreatedAt: seedTime,
			})
			admin[id] = RoleUser
		}
	}
	s.AddUser(AdminEmail, AdminPassword, admin, AccountAcmeCorp)
	s.AddUser(ViewerEmail, ViewerPassword, map[string]string{AccountAcmeCorp: RoleUser}, AccountAcmeCorp)

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		u.createdAt = seedTime
	}
	k := s.insertAPIKey(AccountAcmeCorp, AdminEmail, "Emulator bootstrap key", rolePermissions(RoleSuperAdmin),
		nil, BootstrapAPIKey, BootstrapAPISecret)
	k.CreatedAt, k.UpdatedAt = seedTime, seedTime
	return s
}
