package pulseapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// Shapes no document states and a build may choose (issue 16, item 7): the key list under
// another wrapper field, permission objects that name the permission under another field, and
// PATCH or DELETE answered with no body. Each is read, or fails with an error that names the
// shape; a permission is never dropped in silence (the plan would then show a change forever).

func TestShapes_KeyListUnderAnotherField(t *testing.T) {
	for _, field := range []string{"data", "items", "apiKeys", "apikeys", "api_keys", "APIKeys", "keys", "results"} {
		t.Run(field, func(t *testing.T) {
			a := newTestAPI(t, func(o *emulator.Options) { o.Variants.KeyListField = field })
			a.seedKeys(t, primaryID, 2)
			keys, err := a.client(t, nil).ListAPIKeys(context.Background(), "")
			if err != nil || len(keys) != 3 {
				t.Fatalf("ListAPIKeys = %d keys, %v; want the bootstrap key and two more", len(keys), err)
			}
		})
	}
}

func TestShapes_KeyListUnderAnUnknownField(t *testing.T) {
	a := newTestAPI(t, func(o *emulator.Options) { o.Variants.KeyListField = "records" })
	_, err := a.client(t, nil).ListAPIKeys(context.Background(), "")
	want := `GET /apikeys?page=1&limit=100: 200 unreadable response: no list in the response: an object with fields ` +
		`"limit", "page", "pageCount", "records", "total", none of them a list named data, items, apiKeys, keys, results`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want it to name the shape: %s", err, want)
	}
}

func TestShapes_PermissionNamedUnderAnotherField(t *testing.T) {
	for _, field := range []string{"permission", "name", "permissionName", "permission_name"} {
		t.Run(field, func(t *testing.T) {
			a := newTestAPI(t, func(o *emulator.Options) {
				o.Variants.KeyPermissionObjects, o.Variants.KeyPermissionField = true, field
			})
			c := a.client(t, nil)
			created, err := c.CreateAPIKey(context.Background(), "", APIKeyInput{Description: "d", Permissions: []string{"readData", "writeData"}})
			if err != nil || !slices.Equal(created.Permissions, []string{"readData", "writeData"}) {
				t.Fatalf("CreateAPIKey = %+v, %v", created, err)
			}
			found, err := c.FindAPIKey(context.Background(), "", KeyRef{ID: created.ID})
			if err != nil || !slices.Equal(found.Permissions, []string{"readData", "writeData"}) {
				t.Fatalf("FindAPIKey = %+v, %v", found, err)
			}
		})
	}
}

// A permission object that names no permission under any known field fails the read, naming
// the fields it has: dropped, the permission would be a change no apply can make.
func TestShapes_PermissionNamedUnderAnUnknownField(t *testing.T) {
	a := newTestAPI(t, func(o *emulator.Options) {
		o.Variants.KeyPermissionObjects, o.Variants.KeyPermissionField = true, "slug"
	})
	_, err := a.client(t, nil).ListAPIKeys(context.Background(), "")
	want := `a permission object names no permission: it has fields "category", "description", "id", "slug", ` +
		`and none of permission, name, permissionName holds a name`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want %q", err, want)
	}
}

func TestShapes_KeyWithoutPermissions(t *testing.T) {
	for name, body := range map[string]string{
		"absent": `{"data": [{"id": 7, "description": "d", "apiKey": "apiKey-7"}], "total": 1, "pageCount": 1}`,
		"null":   `{"data": [{"id": 7, "description": "d", "apiKey": "apiKey-7", "permissions": null}], "total": 1, "pageCount": 1}`,
	} {
		t.Run(name, func(t *testing.T) {
			a := newTestAPI(t)
			a.script("GET /apikeys", 1, http.StatusOK, nil, body)
			_, err := a.client(t, nil).ListAPIKeys(context.Background(), "")
			want := `the key object with id 7 lists no permissions: it has fields "apiKey", "description", "id"`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error = %v, want %q", err, want)
			}
		})
	}
}

func TestShapes_EmptyWriteAnswer(t *testing.T) {
	for _, status := range []int{http.StatusOK, http.StatusNoContent} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			a := newTestAPI(t, func(o *emulator.Options) { o.Variants.KeyWriteEmptyStatus = status })
			c := a.client(t, nil)
			id := a.seedKeys(t, secondID, 1)[0]
			ctx := context.Background()
			if err := c.UpdateAPIKey(ctx, secondID, id, APIKeyInput{Description: "renamed", Permissions: []string{"readData"}}); err != nil {
				t.Fatalf("UpdateAPIKey: %v", err)
			}
			if k := a.APIKeys(secondID)[0]; k.Description != "renamed" {
				t.Errorf("the update did not happen: %+v", k)
			}
			if err := c.DeleteAPIKey(ctx, secondID, id); err != nil {
				t.Fatalf("DeleteAPIKey: %v", err)
			}
			if n := len(a.APIKeys(secondID)); n != 0 {
				t.Errorf("the delete did not happen: %d keys", n)
			}
		})
	}
}

// What an empty body must not hide: an explicit failure, or a body that is not JSON.
func TestShapes_WriteAnswersStillChecked(t *testing.T) {
	for body, want := range map[string]string{
		`{"success": false}`: `PATCH /apikeys/1: 200 unreadable response: the server answered {"success": false}`,
		`OK`:                 `PATCH /apikeys/1: 200 unreadable response: the body is not valid JSON`,
	} {
		a := newTestAPI(t)
		a.script("PATCH /apikeys/{id}", 1, http.StatusOK, nil, body)
		err := a.client(t, nil).UpdateAPIKey(context.Background(), "", 1, APIKeyInput{Description: "d", Permissions: []string{"readData"}})
		if err == nil || !strings.Contains(err.Error(), want) || errors.Is(err, ErrKeyNotFound) {
			t.Errorf("%s: error = %v, want %q", body, err, want)
		}
	}
}

// A wrapper whose first list field is null and another holds the list: the list wins.
func TestShapes_NullListBesideAList(t *testing.T) {
	a := newTestAPI(t)
	a.script("GET /apikeys", 1, http.StatusOK, nil, `{"data": null, "items": [{"id": 7, "description": "d", "apiKey": "apiKey-7",
		"permissions": ["readData"]}], "total": 1, "pageCount": 1}`)
	keys, err := a.client(t, nil).ListAPIKeys(context.Background(), "")
	if err != nil || len(keys) != 1 || keys[0].ID != 7 {
		t.Fatalf("ListAPIKeys = %+v, %v; want key 7", keys, err)
	}
}

// A create answer that lists no permissions still holds the only copy of the secret: the key
// is taken with the permissions asked for (Pulse granted them or would have refused), and its
// next listing says what it holds.
func TestShapes_CreateAnswerWithoutPermissions(t *testing.T) {
	a := newTestAPI(t)
	a.script("POST /apikeys", 1, http.StatusCreated, nil, `{"id": 42, "description": "d", "apiKey": "apiKey-42", "apiSecret": "s3cret-from-the-answer"}`)
	created, err := a.client(t, nil).CreateAPIKey(context.Background(), "", APIKeyInput{Description: "d", Permissions: []string{"readData"}})
	if err != nil || created.Secret != "s3cret-from-the-answer" || !slices.Equal(created.Permissions, []string{"readData"}) {
		t.Fatalf("CreateAPIKey = %+v, %v", created, err)
	}
}
