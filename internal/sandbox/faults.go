package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/entrypay/entrypay/internal/jsonwire"
)

// Fault modes.
const (
	modeTimeout = "timeout" // do the work, hold the answer until the caller gives up (30 s at most)
	modeHTTP500 = "http500" // HTTP 500 with a text body, nothing done
	modeGarbage = "garbage" // HTTP 200 with a body that is not JSON, nothing done
	modeUnknown = "unknown" // a signed U/UNKNOWN_EXCEPTION, nothing done
	modeBadSig  = "badsig"  // the right answer with a wrong signature
	modeDelay   = "delay"   // the right answer after DelayMs
	// modeDuplicate (notify only) sends the notification twice at once and a third copy
	// DelayMs later (1 s by default), after whatever the acquirer did in between: the
	// duplicates and late arrivals a real wallet side produces when it retries.
	modeDuplicate = "duplicate"
)

var (
	faultAPIs  = []string{apiPay, apiInquiry, apiCancel, apiRefund, apiNotify, apiRegistration}
	faultModes = []string{modeTimeout, modeHTTP500, modeGarbage, modeUnknown, modeBadSig, modeDelay, modeDuplicate}
)

// maxDelayMs bounds the delay fault, so a typo cannot hold a connection for hours.
const maxDelayMs = 60_000

// fault makes the next calls of one API misbehave. Mode "" is no fault.
type fault struct {
	API          string `json:"api"`
	Mode         string `json:"mode"`
	Remaining    int    `json:"remaining"` // calls left; 0 with UntilCleared
	UntilCleared bool   `json:"untilCleared"`
	DelayMs      int    `json:"delayMs,omitempty"`
}

// takeFault returns the fault set for api and uses up one of its calls.
func (s *Sandbox) takeFault(api string) fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.faults[api]
	if !ok {
		return fault{}
	}
	got := *f
	if !f.UntilCleared {
		f.Remaining--
		if f.Remaining <= 0 {
			delete(s.faults, api)
		}
	}
	return got
}

// SetFault makes the next count calls of api (0 = every call until cleared) misbehave as
// mode says; see the package documentation of /api/v1/faults for the names.
func (s *Sandbox) SetFault(api, mode string, count, delayMs int) error {
	switch {
	case !slices.Contains(faultAPIs, api):
		return fmt.Errorf("api: must be one of %s", strings.Join(faultAPIs, ", "))
	case !slices.Contains(faultModes, mode):
		return fmt.Errorf("mode: must be one of %s", strings.Join(faultModes, ", "))
	case count < 0:
		return fmt.Errorf("count: must not be negative")
	case delayMs < 0 || delayMs > maxDelayMs:
		return fmt.Errorf("delayMs: must be between 0 and %d", maxDelayMs)
	case mode == modeDelay && delayMs == 0:
		return fmt.Errorf("delayMs: is required for mode delay")
	case mode == modeDuplicate && api != apiNotify:
		return fmt.Errorf("mode: duplicate applies to notify only")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[api] = &fault{API: api, Mode: mode, Remaining: count, UntilCleared: count == 0, DelayMs: delayMs}
	return nil
}

// ClearFaults removes every fault.
func (s *Sandbox) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

func (s *Sandbox) faultList() []fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]fault, 0, len(s.faults))
	for _, f := range s.faults {
		list = append(list, *f)
	}
	slices.SortFunc(list, func(a, b fault) int { return strings.Compare(a.API, b.API) })
	return list
}

// faultsAPI serves GET (list), POST (set one) and DELETE (clear all) /api/v1/faults.
func (s *Sandbox) faultsAPI(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		var req struct {
			API     string `json:"api"`
			Mode    string `json:"mode"`
			Count   int    `json:"count"`
			DelayMs int    `json:"delayMs"`
		}
		if err := decodeJSONBody(w, r, &req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		if err := s.SetFault(req.API, req.Mode, req.Count, req.DelayMs); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		s.log.Info("sandbox: fault set", "api", req.API, "mode", req.Mode, "count", req.Count)
	case http.MethodDelete:
		s.ClearFaults()
		s.log.Info("sandbox: faults cleared")
	}
	writeJSON(w, http.StatusOK, map[string]any{"faults": s.faultList()})
}

// decodeJSONBody reads a small JSON body strictly (unknown fields refused, errors naming
// the field).
func decodeJSONBody(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("read body: %v", err)
	}
	return jsonwire.Decode(data, v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
