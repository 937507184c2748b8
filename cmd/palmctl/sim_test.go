package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/pinsim"
)

func TestSimCommand(t *testing.T) {
	board := pinsim.NewBoard("TAMPER", "RELAY")
	_ = board.Sim("RELAY").Out(gpio.Low)
	srv := httptest.NewServer(board.Handler())
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{[]string{"--addr", addr, "set", "TAMPER", "high"}, 0, `"level":"high"`},
		{[]string{"--addr", addr, "pins"}, 0, `"name":"TAMPER","level":"high"`},
		{[]string{"--addr", addr, "set", "RELAY", "high"}, 1, "is an output"},
		{[]string{"--addr", addr, "set", "TAMPER", "sideways"}, 2, "want high or low"},
		{[]string{"--addr", addr, "frobnicate"}, 2, "usage"},
		{[]string{"--addr", addr, "identify", "12-3456"}, 2, "FACILITY:CARD"},
		{[]string{"--addr", addr, "identify", "12:3456"}, 1, "404"},
		{[]string{"--addr", addr, "camera", "/nonexistent.png"}, 1, "no such file"},
		{[]string{"--addr", "127.0.0.1:1", "pins"}, 1, "is palmd running"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := dispatch(context.Background(), append([]string{"sim"}, tt.args...), &out, &errOut)
		if code != tt.wantCode || !strings.Contains(out.String()+errOut.String(), tt.wantOut) {
			t.Errorf("%v: code %d, out %q err %q; want %d and %q", tt.args, code, out.String(), errOut.String(), tt.wantCode, tt.wantOut)
		}
	}
	if board.Sim("TAMPER").Read() != gpio.High {
		t.Fatal("set did not drive the pin")
	}
}
