package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
)

// Variants selects among the answers Pulse builds give where the documents disagree, or say
// nothing. The zero value is the first form each document lists, and the kindest: every
// field makes the emulator stricter or stranger, never kinder. CONTRIBUTING's "What the
// emulator imitates" maps each to the rule it stands for and the test that runs the provider
// through it.
type Variants struct {
	// KeyListBareArray makes GET /apikeys answer a bare array of every key instead of the
	// paginated wrapper.
	KeyListBareArray bool `json:"keyListBareArray"`
	// KeyPermissionObjects makes key objects list permissions as catalogue objects instead of
	// names.
	KeyPermissionObjects bool `json:"keyPermissionObjects"`
	// FullAccountsInSession puts full account objects in the session's primaryAccount and
	// accounts instead of summaries.
	FullAccountsInSession bool `json:"fullAccountsInSession"`
	// JWTTokens issues JWT-shaped tokens instead of 64 hex characters.
	JWTTokens bool `json:"jwtTokens"`
	// OmitExpiresAt leaves expiresAt out of the session payload.
	OmitExpiresAt bool `json:"omitExpiresAt"`
	// KeyListPaged makes the bare array of KeyListBareArray honour page and limit, as a
	// build that pages without saying so does: the end of the list is an empty page.
	KeyListPaged bool `json:"keyListPaged"`
	// PageCap is the largest page the server hands out, whatever limit was asked for; 0
	// means 100. Below the client's page size it shows whether a short page is taken for
	// the end of a list.
	PageCap int `json:"pageCap"`

	// KeySessionRefusal is the status (403 or 404) with which a key's session is refused
	// the PATCH and DELETE of any key but itself, as one reference line says ("a key cannot
	// update or delete other keys"); 0 allows it, as the guide says. The 404 says "API key
	// not found", as a build that hides what the caller may not touch would.
	KeySessionRefusal int `json:"keySessionRefusal"`
	// KeySessionOwnAccount scopes a key's session to the key's own account: the session
	// lists only that account, and any other is refused as out of reach.
	KeySessionOwnAccount bool `json:"keySessionOwnAccount"`
	// NoAccessNotFound answers a call on an account out of the caller's reach with 404 "Not
	// found" ("404 not found or no access") instead of 403.
	NoAccessNotFound bool `json:"noAccessNotFound"`
	// AccountsLimitPaging makes GET /accounts page with limit and answer limit, total and
	// pageCount (the general list convention) instead of pageSize, totalCount, totalPages
	// and currentPage.
	AccountsLimitPaging bool `json:"accountsLimitPaging"`
	// KeyListField is the wrapper field that holds the key list; "" means "data". No
	// document names it.
	KeyListField string `json:"keyListField"`
	// KeyPermissionField is the field of a permission object (KeyPermissionObjects) that
	// names the permission; "" means "permission", as GET /permissions has it.
	KeyPermissionField string `json:"keyPermissionField"`
	// KeyWriteEmptyStatus answers a successful PATCH or DELETE of a key with this status
	// (200 or 204) and no body, instead of the documented {"success": true}; 0 means the
	// documented answer.
	KeyWriteEmptyStatus int `json:"keyWriteEmptyStatus"`
	// ErrorDetails adds dev_err_msg and status to every error envelope, as builds outside
	// production do.
	ErrorDetails bool `json:"errorDetails"`
}

// fieldName is what a JSON field name the variants choose may be.
var fieldName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// Check says what is wrong with v, if anything.
func (v Variants) Check() error {
	switch {
	case v.PageCap < 0:
		return fmt.Errorf("pageCap %d must not be negative", v.PageCap)
	case v.KeySessionRefusal != 0 && v.KeySessionRefusal != http.StatusForbidden && v.KeySessionRefusal != http.StatusNotFound:
		return fmt.Errorf("keySessionRefusal %d must be 0, 403 or 404", v.KeySessionRefusal)
	case v.KeyWriteEmptyStatus != 0 && v.KeyWriteEmptyStatus != http.StatusOK && v.KeyWriteEmptyStatus != http.StatusNoContent:
		return fmt.Errorf("keyWriteEmptyStatus %d must be 0, 200 or 204", v.KeyWriteEmptyStatus)
	case v.KeyListField != "" && !fieldName.MatchString(v.KeyListField):
		return fmt.Errorf("keyListField %q must be a JSON field name (letters, digits, _)", v.KeyListField)
	case v.KeyPermissionField != "" && !fieldName.MatchString(v.KeyPermissionField):
		return fmt.Errorf("keyPermissionField %q must be a JSON field name (letters, digits, _)", v.KeyPermissionField)
	}
	return nil
}

// keyPrincipal is k acting for its owner, as the variants scope it. The caller holds s.mu.
func (s *Server) keyPrincipal(k *APIKey) principal {
	return principal{user: s.users[k.OwnerEmail], key: k, ownAccount: s.variants.KeySessionOwnAccount}
}

// refuseKeySession answers a key's session that writes another key, under KeySessionRefusal.
// The caller holds s.mu.
func (s *Server) refuseKeySession(c *call, k *APIKey) (response, bool) {
	if c.who.key == nil || c.who.key.ID == k.ID {
		return response{}, false
	}
	switch s.variants.KeySessionRefusal {
	case http.StatusForbidden:
		return failure(http.StatusForbidden, "Not authorized", "an API key cannot update or delete other API keys"), true
	case http.StatusNotFound:
		return failure(http.StatusNotFound, "API key not found", ""), true
	}
	return response{}, false
}

// noAccess answers a call on an account out of the caller's reach.
func (s *Server) noAccess(accountID string) response {
	if s.variants.NoAccessNotFound {
		return failure(http.StatusNotFound, "Not found", "account "+accountID+" not found")
	}
	return failure(http.StatusForbidden, "Not authorized", "no access to account "+accountID)
}

// keyWritten is the answer to a successful PATCH or DELETE of a key.
func (s *Server) keyWritten() response {
	if st := s.variants.KeyWriteEmptyStatus; st != 0 {
		return response{status: st}
	}
	return success()
}

// keyPermissions renders a key's permission names as the variants ask: names, or catalogue
// objects naming the permission under KeyPermissionField.
func keyPermissions(names []string, v Variants) any {
	if !v.KeyPermissionObjects {
		return append([]string{}, names...)
	}
	field := v.KeyPermissionField
	if field == "" {
		field = "permission"
	}
	objects := make([]map[string]any, 0, len(names))
	for _, name := range names {
		p, _ := catalogueEntry(name) // stored permissions were validated against the catalogue
		objects = append(objects, map[string]any{"id": p.ID, field: p.Name, "description": p.Description, "category": p.Category})
	}
	return objects
}

// withErrorDetails adds dev_err_msg and status to an error envelope, under ErrorDetails.
func (s *Server) withErrorDetails(resp response) response {
	if !s.variants.ErrorDetails || resp.status < 400 || resp.body == nil {
		return resp
	}
	var env map[string]any
	if json.Unmarshal(resp.body, &env) != nil || env["error"] == nil {
		return resp // a fault's own body, sent as it is
	}
	env["dev_err_msg"] = fmt.Sprintf("emulator: %v (HTTP %d)", env["error"], resp.status)
	env["status"] = resp.status
	out := jsonResponse(resp.status, env)
	out.contentType, out.retryAfter, out.allow = resp.contentType, resp.retryAfter, resp.allow
	return out
}
