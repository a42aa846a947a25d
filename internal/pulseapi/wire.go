package pulseapi

// The building blocks of decoding: values some builds send in another JSON type, the lookup of
// a field whose name builds spell differently, and lists, bare or wrapped. decode.go uses them
// for each answer. Errors never quote a value: it may be a token or a secret.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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

// fieldIn finds the first of names in an object: exactly, else ignoring case and underscores
// (builds write apiKeys, apikeys or api_keys alike).
func fieldIn(o map[string]json.RawMessage, names ...string) (json.RawMessage, bool) {
	for _, name := range names {
		if raw, ok := o[name]; ok {
			return raw, true
		}
	}
	fold := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	fields := slices.Sorted(maps.Keys(o)) // the same choice every time, should two fields fold alike
	for _, name := range names {
		for _, field := range fields {
			if fold(field) == fold(name) {
				return o[field], true
			}
		}
	}
	return nil, false
}

// fieldList names an object's fields for an error: sorted, a few, each cut short. Field
// names, never values: a value may be a secret.
func fieldList(o map[string]json.RawMessage) string {
	if len(o) == 0 {
		return "no fields"
	}
	names := make([]string, 0, len(o))
	for name := range o {
		if len(name) > 40 {
			name = name[:40] + "…"
		}
		// Quoted as JSON quotes, an encoding the secret registry redacts.
		quoted, _ := json.Marshal(name)
		names = append(names, string(quoted))
	}
	slices.Sort(names)
	if len(names) > 12 {
		names = append(names[:12], fmt.Sprintf("and %d more", len(names)-12))
	}
	return "fields " + strings.Join(names, ", ")
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
	// The first of names that holds a list; else the first that holds null (an empty list).
	var list json.RawMessage
	for _, wanted := range []func([]byte) bool{
		func(v []byte) bool { return bytes.HasPrefix(v, []byte("[")) },
		func(v []byte) bool { return string(v) == "null" },
	} {
		for _, name := range names {
			if raw, ok := fieldIn(w, name); ok && list == nil && wanted(bytes.TrimSpace(raw)) {
				list = bytes.TrimSpace(raw)
			}
		}
	}
	if list == nil {
		return p, fmt.Errorf("no list in the response: an object with %s, none of them a list named %s",
			fieldList(w), strings.Join(names, ", "))
	}
	if err := json.Unmarshal(list, &p.Items); err != nil {
		return p, err
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
