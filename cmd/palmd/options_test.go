package main

import (
	"io"
	"testing"
	"time"

	"github.com/palmd/palmd/firmware/localconfig"
)

// TestOptionsFromTheLocalFile: the page, the ring and the speaker come
// from the local file unless a flag names them.
func TestOptionsFromTheLocalFile(t *testing.T) {
	cfg, err := localconfig.Load("../../configs/reader-wiegand.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want options
	}{
		{nil, options{ui: "127.0.0.1:8080", result: 3 * time.Second, lightring: "SPI0.0", leds: 24, speaker: "default"}},
		{[]string{"-ui", "127.0.0.1:9000", "-speaker", "", "-leds", "12"},
			options{ui: "127.0.0.1:9000", result: 3 * time.Second, lightring: "SPI0.0", leds: 12, speaker: ""}},
	} {
		var o options
		fs, _, _ := flags(&o, io.Discard)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		o.fill(cfg, fs)
		if o != tc.want {
			t.Errorf("%q: %+v, want %+v", tc.args, o, tc.want)
		}
	}
}
