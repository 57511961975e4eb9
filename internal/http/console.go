package http

import "net/http"

// Console is what the operator console needs from the gateway.
type Console interface{}

// consoleHome is the operator console's first page.
func (s *Server) consoleHome(w http.ResponseWriter, r *http.Request, ds dashSession) {
	s.dashRender(w, r, http.StatusOK, "console-home", basePage(ds, nil, "Operator console"))
}
