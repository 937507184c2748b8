package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
		{[]string{"--addr", addr, "palm", "seven"}, 2, "synthetic person"},
		{[]string{"--addr", addr, "palm", "7", "--hand", "middle"}, 2, "want left or right"},
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

// TestSimRequests: each command reaches the control endpoint as the
// request palmd's simulator serves.
func TestSimRequests(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.Path+" "+string(b))
		fmt.Fprintln(w, `{}`)
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	img := filepath.Join(t.TempDir(), "code.png")
	if err := os.WriteFile(img, []byte("PNG"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"state"}, "GET /state "},
		{[]string{"touch", "start"}, `POST /touch {"button":"start"}`},
		{[]string{"identify", "12:3456"}, `POST /identify {"card":3456,"facility":12}`},
		{[]string{"identify", "nobody"}, `POST /identify {"nobody":true}`},
		{[]string{"camera", img}, "POST /camera PNG"},
		{[]string{"camera", "clear"}, "POST /camera "},
		{[]string{"camera", "unplug"}, "POST /camera/unplug "},
		{[]string{"camera", "plug"}, "POST /camera/plug "},
		{[]string{"panel", "silent"}, `POST /panel {"answer":false}`},
		{[]string{"panel", "answer"}, `POST /panel {"answer":true}`},
		{[]string{"network"}, "GET /network "},
		{[]string{"network", "cable", "out"}, `POST /network {"cable":false}`},
		{[]string{"touch", "network", "Lab 5 GHz"}, `POST /touch {"button":"network","value":"Lab 5 GHz"}`},
		{[]string{"panel"}, "GET /panel "},
		{[]string{"lights"}, "GET /lights "},
		{[]string{"sounds"}, "GET /sounds "},
		{[]string{"set", "GPI", "low", "--pulse", "1s"}, `POST /pins/GPI {"level":"low","pulse":"1s"}`},
		{[]string{"palm", "7"}, `POST /hand {"hand":"right","person":7,"pose":"held-right"}`},
		{[]string{"palm", "7", "--hand", "left", "--pose", "too-far"}, `POST /hand {"hand":"left","person":7,"pose":"too-far"}`},
		{[]string{"palm", "away"}, `POST /hand {"away":true}`},
		{[]string{"badge", "12:3456"}, `POST /badge {"text":"12:3456"}`},
	}
	for _, tt := range tests {
		got = nil
		var out, errOut bytes.Buffer
		if code := dispatch(context.Background(), append([]string{"sim", "--addr", addr}, tt.args...), &out, &errOut); code != 0 {
			t.Errorf("%v: exit %d: %s", tt.args, code, errOut.String())
			continue
		}
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("%v: requests %q, want %q", tt.args, got, tt.want)
		}
	}
	for _, bad := range [][]string{{"panel", "maybe"}, {"touch"}, {"state", "now"}, {"network", "cable", "maybe"}, {"lights", "now"}} {
		var out, errOut bytes.Buffer
		if code := dispatch(context.Background(), append([]string{"sim", "--addr", addr}, bad...), &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)", bad, code)
		}
	}
}
