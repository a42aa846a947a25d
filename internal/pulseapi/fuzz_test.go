package pulseapi

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The marker stands for a secret in a body: a decoder's error must never quote it.
const marker = "zzzzSECRETzzzz"

var sessionSeeds = []string{
	`{"id":3,"email":"a@b.c","active":true,"createdAt":"2025-02-11T03:45:04.853Z","primaryAccount":{"accountName":"Main","accountId":"6591739253089529","repcode":"3","usersPrimaryAccount":true,"accountAdmin":true},"accounts":[],"flatRolesList":["superAdmin"],"flatPermissionsList":["readData"],"token":"` + marker + `","expiresAt":"2025-02-11T04:45:04Z"}`,
	`{"id":"3","primaryAccount":{"id":1,"accountId":6591739253089529,"name":"Main","repcode":null},"accounts":[{"accountId":"1","whitelabelSettings":{}}],"token":"eyJ.` + marker + `.sig"}`,
	`{"token":null,"expiresAt":null,"createdAt":"not a date ` + marker + `"}`,
	`{"id":1e3,"accounts":{"x":"` + marker + `"}}`,
	`[]`, `null`, ``, `{`, `"` + marker + `"`,
}

var keyListSeeds = []string{
	`[{"id":1,"description":"d","expiresAt":null,"permissions":["readData"],"apiKey":"apiKey-1","lastFourOfSecret":"abcd","createdAt":"2025-02-11T03:45:04.853Z","updatedAt":"2025-02-11T03:45:04Z"}]`,
	`{"data":[{"id":"2","permissions":[{"permission":"readData"},{"name":"writeData"}],"expiresAt":"2026-01-01T00:00:00Z"}],"total":"1","pageCount":1}`,
	`{"items":[],"total":0,"pageCount":0}`, `{"apiKeys":null}`, `{"keys":[{"id":-1}]}`, `{"results":[{"id":1,"apiSecret":"` + marker + `"}]}`,
	`[{"id":"` + marker + `"}]`, `[{"id":1,"createdAt":"` + marker + `"}]`, `[{"permissions":[1,2]}]`, `{"data":{"id":1}}`,
	`[`, `{"pageCount":99999999999999999999}`,
}

var accountSeeds = []string{
	`{"accounts":[{"id":1,"accountId":"42","accountName":"A","repcode":null,"permissions":["readData"],"roles":["admin"],"usersPrimaryAccount":true,"accountAdmin":true,"accountTypeId":2,"createdAt":"2025-02-11T03:45:04.853Z"}],"totalCount":1,"totalPages":1,"currentPage":1}`,
	`{"accounts":[{"accountId":43,"name":"B","repcode":7}]}`, `[{"accountId":"` + marker + `"}]`, `{"accounts":"` + marker + `"}`,
}

var permissionSeeds = []string{
	`[{"id":1,"permission":"readApplications","description":"d","category":"c"}]`, `["writeApiKeys"]`,
	`{"permissions":[{"name":"readData"}]}`, `[{"id":"x` + marker + `"}]`, `[true]`,
}

func checkDecodeErr(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), marker) {
		t.Fatalf("decoder error quotes the body: %v", err)
	}
}

func FuzzDecodeSession(f *testing.F) {
	for _, s := range sessionSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _, err := decodeSession(data)
		checkDecodeErr(t, err)
		if err == nil && s == nil {
			t.Fatal("nil session without error")
		}
	})
}

func FuzzDecodeKeyPage(f *testing.F) {
	for _, s := range keyListSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := decodeKeyPage(data)
		checkDecodeErr(t, err)
		if p.Pages < 0 || p.Total < 0 {
			t.Fatalf("negative page metadata %+v", p)
		}
	})
}

func FuzzDecodeKey(f *testing.F) {
	for _, s := range keyListSeeds {
		f.Add([]byte(strings.Trim(s, "[]")))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k, _, err := decodeKey(data)
		checkDecodeErr(t, err)
		if err == nil && k.ID == 0 {
			t.Fatal("key without id accepted")
		}
	})
}

func FuzzDecodeAccountPage(f *testing.F) {
	for _, s := range accountSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := decodeAccountPage(data)
		checkDecodeErr(t, err)
	})
}

func FuzzDecodePermissions(f *testing.F) {
	for _, s := range permissionSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := decodePermissions(data)
		checkDecodeErr(t, err)
	})
}

func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{
		`{"error":"Not authorized","message":"readTickets permission is required"}`,
		`{"error":"Invalid permissions provided","message":"unknown permission(s): x","dev_err_msg":"d","status":400}`,
		`{"error":{"code":1},"message":["a","b",3,null,{"x":true}],"status":"400"}`,
		`{"error":true,"message":"m"}`,
		`<html><head><script>var a = "<b>";</script><STYLE>x</Style></head><body><h1>502 Bad Gateway</h1></body></html>`,
		`<scrİpt><script`, "", "   ", `{"error":"trunc`, `{"error":"` + marker + `","message":{"m":"` + marker + `"}}`,
		`{"detail":"` + marker + `"}`, `<p>` + marker + `</p>`, "\x00\xff\xfe", `"just a string"`, `[1,2]`, `12`,
		strings.Repeat("é", 500),
	} {
		f.Add(502, []byte(s))
	}
	// The marker is a registered secret here: no part of the result may show it.
	redact := NewSecrets(marker).Redact
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		code, msg, dev := parseErrorBody(status, body, redact)
		for _, s := range []string{code, msg, dev} {
			if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxExcerpt+1 || strings.ContainsAny(s, "\n\r\t\x00") {
				t.Fatalf("unsanitized %q", s)
			}
			if strings.Contains(s, marker) {
				t.Fatalf("a registered secret shows in %q", s)
			}
		}
		e := &Error{Method: "GET", Path: "/x", StatusCode: status, Code: code, Message: msg, DevMessage: dev, RequestID: "id"}
		if !strings.Contains(e.Error(), "request id id") {
			t.Fatalf("Error() = %q", e.Error())
		}
	})
}

func TestStripTags(t *testing.T) {
	for in, want := range map[string]string{
		`<p>a</p><script>x = "<b>"</script>b<style>.c{}</style>c`: "a b c",
		`<SCRIPT>x</SCRIPT>text`:                                  "text",
		`before<script>never closed`:                              "before",
		`a <b>bold</b> move`:                                      "a bold move",
	} {
		if got := excerpt([]byte(in)); got != want {
			t.Errorf("excerpt(%q) = %q, want %q", in, got, want)
		}
	}
}
