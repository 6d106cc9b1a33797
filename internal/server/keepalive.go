package server

import (
	"net/http"
	"time"
)

// sessTouched is when the session's idle expiry was last moved (Unix ms).
const sessTouched = "touched"

// keepSessionAlive moves a stored session's idle expiry forward, but only
// once a tenth of the idle timeout has passed since it was last moved: the
// session is then saved (which sets its expiry to now + the idle timeout, see
// app.SessionStore). Other requests that change nothing in the session —
// nearly every GET — write nothing.
//
// The idle timeout keeps its meaning with a granularity of a tenth: a session
// ends at most the idle timeout after its last request (never later), and at
// least nine tenths of it after (30 minutes configured: between 27 and 30).
func (s *Server) keepSessionAlive(next http.Handler) http.Handler {
	every := s.Config.SessionIdleTimeout / 10
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if s.Sessions.Token(ctx) != "" { // a stored session, not a new one
			now := time.Now()
			if now.Sub(time.UnixMilli(s.Sessions.GetInt64(ctx, sessTouched))) >= every {
				s.Sessions.Put(ctx, sessTouched, now.UnixMilli())
			}
		}
		next.ServeHTTP(w, r)
	})
}
