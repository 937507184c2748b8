package pinsim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
)

func TestControlEndpoint(t *testing.T) {
	b := NewBoard("GPI", "RELAY")
	_ = b.Sim("RELAY").Out(gpio.High)
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()

	tests := []struct {
		method, path, body string
		wantCode           int
		wantBody           string
	}{
		{"POST", "/pins/GPI", `{"level":"high"}`, 200, `"level":"high"`},
		{"GET", "/pins/GPI", "", 200, `"edges":1`},
		{"POST", "/pins/RELAY", `{"level":"low"}`, 409, "is an output"},
		{"POST", "/pins/NOPE", `{"level":"low"}`, 404, "no pin named"},
		{"POST", "/pins/GPI", `{"level":"purple"}`, 400, "want high or low"},
		{"POST", "/pins/GPI", `{"level":"low","pulse":"forever"}`, 400, "pulse"},
		{"POST", "/pins/GPI", `not json`, 400, "body"},
		{"GET", "/pins", "", 200, `"name":"RELAY","level":"high","output":true`},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var raw json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&raw)
		resp.Body.Close()
		if resp.StatusCode != tt.wantCode || !strings.Contains(string(raw), tt.wantBody) {
			t.Errorf("%s %s: %d %s, want %d containing %s", tt.method, tt.path, resp.StatusCode, raw, tt.wantCode, tt.wantBody)
		}
	}
}

func TestControlPulseReturnsToPreviousLevel(t *testing.T) {
	b := NewBoard("REX")
	p := b.Sim("REX")
	p.Set(gpio.High)
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/pins/REX", "application/json", strings.NewReader(`{"level":"low","pulse":"10ms"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for p.Read() != gpio.High && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	edges := p.Edges()
	if len(edges) != 3 || edges[1].Level != gpio.Low || edges[2].Level != gpio.High {
		t.Fatalf("want high, low, high; got %+v", edges)
	}
}
