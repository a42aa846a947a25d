package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestConcurrentClients drives the server over real HTTP from many goroutines while the
// test reconfigures and inspects it; run it with -race.
func TestConcurrentClients(t *testing.T) {
	s := NewSeeded(Options{})
	srv := httptest.NewServer(s)
	defer srv.Close()

	call := func(method, path, token string, body any) (int, map[string]any, error) {
		var raw []byte
		if body != nil {
			var err error
			if raw, err = json.Marshal(body); err != nil {
				return 0, nil, err
			}
		}
		req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(raw))
		if err != nil {
			return 0, nil, err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return 0, nil, err
		}
		var m map[string]any
		// Bare-array answers leave m nil; the callers only look inside objects.
		_ = json.Unmarshal(data, &m)
		return resp.StatusCode, m, nil
	}

	const workers, rounds = 8, 15
	errs := make(chan error, workers*rounds)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				if err := func() error {
					status, m, err := call("POST", "/auth/login", "", map[string]string{"apiKey": BootstrapAPIKey, "apiSecret": BootstrapAPISecret})
					if err != nil || status != 200 {
						return fmt.Errorf("login: %d %v", status, err)
					}
					token := m["token"].(string)
					body := map[string]any{"description": fmt.Sprintf("w%d-%d", w, i), "flatPermissionsList": []string{"readData"}}
					status, m, err = call("POST", "/apikeys", token, body)
					if err != nil || status != 201 {
						return fmt.Errorf("create: %d %v", status, err)
					}
					path := fmt.Sprint("/apikeys/", m["id"])
					for _, step := range []struct {
						method, path string
						body         any
						status       int
					}{
						{"GET", "/apikeys?limit=100", nil, 200},
						{"PATCH", path, body, 200},
						{"GET", "/accounts", nil, 200},
						{"DELETE", path, nil, 200},
						{"DELETE", path, nil, 404},
					} {
						if status, _, err := call(step.method, step.path, token, step.body); err != nil || status != step.status {
							return fmt.Errorf("%s %s: %d %v", step.method, step.path, status, err)
						}
					}
					return nil
				}(); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		for i := range workers * rounds {
			s.SetVariants(Variants{KeyListBareArray: i%2 == 0, KeyPermissionObjects: i%3 == 0})
			s.APIKeys(AccountAcmeCorp)
			s.Counts()
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := s.Count("POST /apikeys"); got != workers*rounds {
		t.Errorf("Count(POST /apikeys) = %d, want %d", got, workers*rounds)
	}
	if got := s.Count("DELETE /apikeys/{id}"); got != 2*workers*rounds {
		t.Errorf("Count(DELETE) = %d, want %d", got, 2*workers*rounds)
	}
	if keys := s.APIKeys(AccountAcmeCorp); len(keys) != 1 {
		t.Errorf("%d keys left, want the bootstrap key alone", len(keys))
	}
}
