package pinsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// PinState is a pin as the control endpoint reports it.
type PinState struct {
	Name   string `json:"name"`
	Level  string `json:"level"` // "high" or "low"
	Output bool   `json:"output"`
	Edges  int    `json:"edges"` // level changes recorded so far
}

// SetRequest drives an input pin.
type SetRequest struct {
	Level string `json:"level"` // "high" or "low"
	// Pulse, when set, returns the pin to its previous level after this
	// long (a Go duration such as "100ms"): a button press.
	Pulse string `json:"pulse,omitempty"`
}

// Handler serves the board for the simulator's control endpoint:
//
//	GET  /pins         every pin's state
//	GET  /pins/NAME    one pin's state
//	POST /pins/NAME    {"level":"low"} drives an input (a switch, a wire)
//
// It must only ever be served on loopback: it obeys anyone who reaches it.
func (b *Board) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pins", func(w http.ResponseWriter, _ *http.Request) {
		states := []PinState{}
		for _, n := range b.Names() {
			states = append(states, b.Sim(n).state())
		}
		writeJSON(w, http.StatusOK, states)
	})
	mux.HandleFunc("GET /pins/{name}", func(w http.ResponseWriter, r *http.Request) {
		p := b.Sim(r.PathValue("name"))
		if p == nil {
			httpError(w, http.StatusNotFound, fmt.Errorf("no pin named %q", r.PathValue("name")))
			return
		}
		writeJSON(w, http.StatusOK, p.state())
	})
	mux.HandleFunc("POST /pins/{name}", b.handleSet)
	return mux
}

func (b *Board) handleSet(w http.ResponseWriter, r *http.Request) {
	p := b.Sim(r.PathValue("name"))
	if p == nil {
		httpError(w, http.StatusNotFound, fmt.Errorf("no pin named %q", r.PathValue("name")))
		return
	}
	var req SetRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&req); err != nil {
		httpError(w, http.StatusBadRequest, fmt.Errorf("body: %w", err))
		return
	}
	level, err := ParseLevel(req.Level)
	if err != nil {
		httpError(w, http.StatusBadRequest, err)
		return
	}
	var pulse time.Duration
	if req.Pulse != "" {
		if pulse, err = time.ParseDuration(req.Pulse); err != nil || pulse <= 0 || pulse > time.Minute {
			httpError(w, http.StatusBadRequest, fmt.Errorf("pulse: want a duration up to 1m, got %q", req.Pulse))
			return
		}
	}
	if p.isOutput() {
		httpError(w, http.StatusConflict, fmt.Errorf("pin %q is an output: the reader drives it", p.name))
		return
	}
	before := p.Read()
	p.Set(level)
	if pulse > 0 {
		time.AfterFunc(pulse, func() { p.Set(before) })
	}
	writeJSON(w, http.StatusOK, p.state())
}

// ParseLevel reads "high"/"low" (also "1"/"0").
func ParseLevel(s string) (gpio.Level, error) {
	switch strings.ToLower(s) {
	case "high", "1":
		return gpio.High, nil
	case "low", "0":
		return gpio.Low, nil
	}
	return gpio.Low, fmt.Errorf("level: want high or low, got %q", s)
}

func (p *Pin) state() PinState {
	p.mu.Lock()
	defer p.mu.Unlock()
	level := "low"
	if p.level {
		level = "high"
	}
	return PinState{Name: p.name, Level: level, Output: p.output, Edges: len(p.history)}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}
