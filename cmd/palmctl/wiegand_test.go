package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestWiegandCommand(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string // exact stdout when wantErr is empty
		wantErr  string // substring of stderr
	}{
		// H10301 FC 12 card 3456, computed from HID's H10301 definition.
		{[]string{"encode", "--format", "h10301", "--facility", "12", "--card", "3456"}, 0, "00000110000001101100000001\n", ""},
		{[]string{"encode", "--format", "h10301", "--raw", "789888"}, 0, "00000110000001101100000001\n", ""},
		{[]string{"encode", "--layout", "bits=26 facility=1:8 card=9:16 even@0=1-12 odd@25=13-24", "--facility", "12", "--card", "3456"}, 0, "00000110000001101100000001\n", ""},
		{[]string{"encode", "--format", "h10301", "--facility", "256", "--card", "1"}, 1, "", "value out of range"},
		{[]string{"encode", "--format", "h10302", "--facility", "1", "--card", "1"}, 1, "", "no such field"},
		{[]string{"encode", "--format", "nope", "--card", "1"}, 2, "", "unknown format"},
		{[]string{"encode", "--format", "h10301", "--raw", "1", "--card", "1"}, 2, "", "usage"},
		{[]string{"encode", "--format", "h10301"}, 2, "", "usage"},
		{[]string{"encode", "--card", "1"}, 2, "", "missing --format"},
		{[]string{"encode", "--format", "h10301", "--layout", "bits=2 card=0:2", "--card", "1"}, 2, "", "not both"},
		// Allegion's published 26A example: FC 101, card 4095.
		{[]string{"decode", "--format", "h10301", "00110010100001111111111111"}, 0, "facility=101 card=4095\n", ""},
		{[]string{"decode", "00110010100001111111111111", "--format", "h10301"}, 0, "facility=101 card=4095\n", ""},
		{[]string{"decode", "--format", "h10302", "1000010010011001011000000010110100101"}, 0, "card=1234567890\n", ""},
		{[]string{"decode", "--format", "h10301", "10110010100001111111111111"}, 1, "", "parity error"},
		{[]string{"decode", "--format", "h10301", "0011"}, 1, "", "wrong frame length"},
		{[]string{"decode", "--format", "h10301", "0021"}, 2, "", "not 0 or 1"},
		{[]string{"decode", "--layout", "bits=26 card=30:4", "0011"}, 2, "", "invalid layout"},
		{[]string{"decode", "--format", "h10301"}, 2, "", "usage"},
		{[]string{"frobnicate"}, 2, "", "unknown subcommand"},
		{nil, 2, "", "usage"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := runWiegand(context.Background(), tt.args, &out, &errOut)
		if code != tt.wantCode {
			t.Errorf("%v: code %d, want %d (stderr %q)", tt.args, code, tt.wantCode, errOut.String())
		}
		if tt.wantErr == "" && out.String() != tt.wantOut {
			t.Errorf("%v: stdout %q, want %q", tt.args, out.String(), tt.wantOut)
		}
		if tt.wantErr != "" && !strings.Contains(errOut.String(), tt.wantErr) {
			t.Errorf("%v: stderr %q, want it to mention %q", tt.args, errOut.String(), tt.wantErr)
		}
	}
}

func TestWiegandDecodeJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	code := runWiegand(context.Background(), []string{"decode", "--json", "--format", "h10301", "00000110000001101100000001"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut.String())
	}
	var got struct {
		Format   string
		Bits     int
		Facility *uint64
		Card     uint64
		Raw      *uint64
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Format != "h10301" || got.Bits != 26 || got.Facility == nil || *got.Facility != 12 || got.Card != 3456 || got.Raw == nil || *got.Raw != 12<<16|3456 {
		t.Errorf("json = %s", out.String())
	}
}

func TestWiegandFormats(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runWiegand(context.Background(), []string{"formats", "--layouts"}, &out, &errOut); code != 0 {
		t.Fatalf("code %d: %s", code, errOut.String())
	}
	for _, want := range []string{"h10301", "h10306", "corp1000-35", "h10302", "h10304", "corp1000-48",
		"layout: bits=26 facility=1:8 card=9:16 even@0=1-12 odd@25=13-24"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("formats output lacks %q:\n%s", want, out.String())
		}
	}
	if got := strings.Count(out.String(), " bits "); got != 6 {
		t.Errorf("%d formats listed, want 6", got)
	}
}
