package emulator

import (
	"bytes"
	"io"
	"net/http"
)

// Intercept installs h, which sees every request to a documented route before the
// emulator does (nil removes it). When h answers (returns true), the emulator does not; when
// it returns false, the request is served as usual, with its body intact. It is the seam for
// the client's unit tests: a scripted answer (a redirect, a malformed header, a cut body), a
// dropped connection (hijack it), or a change to the world between two pages of a listing.
// h runs outside the emulator's lock, so it may call the Server's methods.
func (s *Server) Intercept(h func(w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.intercept = h
}

func (s *Server) intercepted(w http.ResponseWriter, r *http.Request, body []byte) bool {
	s.mu.Lock()
	h := s.intercept
	s.mu.Unlock()
	if h == nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return h(w, r)
}

// ServeDirect answers r as the emulator would with no interceptor installed. It lets an
// interceptor use the emulator's own answer, held back or reshaped: a listing as it stood
// when the request arrived, delivered after a write; a key list under another wrapper field.
// r was counted when it arrived and is not counted or delayed again; the answer is journalled
// as any other. A route the API does not have is answered 404.
func (s *Server) ServeDirect(w http.ResponseWriter, r *http.Request) {
	pattern, id, _ := matchPath(r.URL.Path)
	key := r.Method + " " + pattern
	rt, ok := routes[key]
	if !ok {
		failure(http.StatusNotFound, "Not found", "no route for "+r.Method+" "+r.URL.Path).write(w)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		invalidInput("reading the request body: " + err.Error()).write(w)
		return
	}
	s.serve(key, rt, &call{r: r, body: body, id: id}).write(w)
}

// RestartKeyIDs makes the next key's id the lowest one above every key that exists now, as
// a development server reset or a database restored from a backup does: the id of a key
// deleted since is handed to another key. Keys are then recognised only by id and apiKey
// together.
func (s *Server) RestartKeyIDs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := int64(1)
	for id := range s.keyByID {
		next = max(next, id+1)
	}
	s.nextKeyID = next
}
