package localconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readSim(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../configs/simulator.toml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every shipped example must load: they are what installers copy.
func TestShippedConfigsLoad(t *testing.T) {
	files, err := filepath.Glob("../../configs/*.toml")
	if err != nil || len(files) < 2 {
		t.Fatalf("expected example configs, got %v %v", files, err)
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestSimulatorValues(t *testing.T) {
	c, err := Parse([]byte(readSim(t)))
	if err != nil {
		t.Fatal(err)
	}
	if c.Device.Backend != BackendSim || c.GPI.Debounce.Duration != 20*time.Millisecond || !c.Tamper.ActiveLow {
		t.Fatalf("unexpected values: %+v", c)
	}
}

// Each bad file must fail with an error that names the offending key.
func TestInvalidConfigNamesTheKey(t *testing.T) {
	tests := []struct {
		name, old, new, wantKey string
	}{
		{"unknown key", `log_level = "info"`, "log_level = \"info\"\ncolour = \"blue\"", "device.colour"},
		{"unknown table", `[relay]`, "[relais]\nx = 1\n[relay]", "relais"},
		{"bad backend", `backend = "sim"`, `backend = "gpio"`, "device.backend"},
		{"bad duration", `debounce = "20ms"`, `debounce = "soon"`, "soon"},
		{"zero debounce", `debounce = "50ms"`, `debounce = "0s"`, "tamper.debounce"},
		{"long debounce", `debounce = "20ms"`, `debounce = "5s"`, "gpi.debounce"},
		{"missing pin", `gpo = "GPO"`, ``, "pins.gpo"},
		{"shared pin", `gpo = "GPO"`, `gpo = "GPI"`, "\"GPI\" is already used"},
		{"bad lock", `lock = "fail-secure"`, `lock = "magnetic"`, "relay.lock"},
		{"bad led level", `led_grant_level = "low"`, `led_grant_level = "green"`, "wiegand.led_grant_level"},
		{"bad silence", `led_grant_level = "low"`, "led_grant_level = \"low\"\nsilence = \"maybe\"", "wiegand.silence"},
		{"public control", `control = "127.0.0.1:7070"`, `control = "0.0.0.0:7070"`, "simulate.control"},
		{"wrong type", `active_low = false`, `active_low = "no"`, "active_low"},
		{"not toml", `[device]`, `[device`, "invalid local configuration"},
		{"bad rs485 direction", `direction = "auto"`, `direction = "rts"`, "rs485.direction"},
		{"de pin without gpio", `direction = "auto"`, `direction = "auto"` + "\nde_pin = \"DE\"", "rs485.de_pin"},
		{"gpio without de pin", `direction = "auto"`, `direction = "gpio"`, "rs485.de_pin"},
		{"de pin shared", `direction = "auto"`, `direction = "gpio"` + "\nde_pin = \"GPO\"", "already used"},
		{"rs485 without device", `device = "sim"`, `device = ""`, "rs485.device"},
		{"bad grant", `"12:1001"`, `"12-1001"`, "simulate.panel_grants"},
		{"plain http service", `url = "https://127.0.0.1:8443"`, `url = "http://127.0.0.1:8443"`, "service.url"},
		{"service without anchor", `trust_anchor = "var/devcloud/ca.pem"`, `trust_anchor = ""`, "service.trust_anchor"},
		{"loose false-match rate", `[relay]`, "[recognition]\nfalse_match_rate = 0.01\n[relay]", "recognition.false_match_rate"},
		{"negative false-match rate", `[relay]`, "[recognition]\nfalse_match_rate = -1e-9\n[relay]", "recognition.false_match_rate"},
		{"loose false-positive rate", `[relay]`, "[recognition]\nfalse_positive_rate = 0.01\n[relay]", "recognition.false_positive_rate"},
		{"public page", `address = "127.0.0.1:8080"`, `address = "0.0.0.0:8080"`, "ui.address"},
		{"result shown for ever", `result_time = "3s"`, `result_time = "5m"`, "ui.result_time"},
		{"negative ring", `[relay]`, "[lightring]\nleds = -1\n[relay]", "lightring.leds"},
		{"a real ring in simulation", `[relay]`, "[lightring]\nspi = \"SPI0.0\"\n[relay]", "lightring.spi"},
		{"a real speaker in simulation", `[relay]`, "[speaker]\ndevice = \"default\"\n[relay]", "speaker.device"},
		{"unknown badge scanner", `[relay]`, "[badge]\nscanner = \"barcode\"\n[relay]", "badge.scanner"},
		{"both rates", `[relay]`, "[recognition]\nfalse_positive_rate = 1e-5\nfalse_match_rate = 1e-9\n[relay]", "not both"},
		{"updates without a release key", `release_key = "var/devcloud/release.pub"`, `release_key = ""`, "service.slots"},
		{"slots and install_to", `slots = "var/slots"`, "slots = \"var/slots\"\ninstall_to = \"var/palmd\"", "service.install_to"},
		{"short confirm_after", `confirm_after = "60s"`, `confirm_after = "10ms"`, "service.confirm_after"},
		{"long confirm_after", `confirm_after = "60s"`, `confirm_after = "2h"`, "service.confirm_after"},
		{"bad confirm_after", `confirm_after = "60s"`, `confirm_after = "a minute"`, "a minute"},
		{"confirm_after without slots", `slots = "var/slots"`, ``, "service.confirm_after"},
		{"short trial_limit", `confirm_after = "60s"`, "confirm_after = \"60s\"\ntrial_limit = \"90s\"", "service.trial_limit"},
		{"long trial_limit", `confirm_after = "60s"`, "confirm_after = \"60s\"\ntrial_limit = \"5h\"", "service.trial_limit"},
		{"trial_limit without slots", "slots = \"var/slots\"\nconfirm_after = \"60s\"", `trial_limit = "1h"`, "service.trial_limit"},
	}
	base := readSim(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("fixture lacks %q", tt.old)
			}
			_, err := Parse([]byte(strings.Replace(base, tt.old, tt.new, 1)))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantKey) {
				t.Fatalf("error %q does not name %q", err, tt.wantKey)
			}
		})
	}
}

// TestConfirmAfterDefault: slots without confirm_after confirm after a
// minute; install_to without slots still loads.
func TestConfirmAfterDefault(t *testing.T) {
	c, err := Parse([]byte(strings.Replace(readSim(t), "confirm_after = \"60s\"\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if c.Service.Slots != "var/slots" || c.Service.ConfirmAfter.Duration != DefaultConfirmAfter {
		t.Fatalf("service %+v", c.Service)
	}
	c, err = Parse([]byte(strings.Replace(readSim(t), "slots = \"var/slots\"\nconfirm_after = \"60s\"", "install_to = \"var/palmd\"", 1)))
	if err != nil || c.Service.InstallTo != "var/palmd" || c.Service.Slots != "" {
		t.Fatalf("install_to: %+v, %v", c, err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "none.toml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want not-exist", err)
	}
}

func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("../../configs/simulator.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("[device]\nname = 1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err == nil && c.validate() != nil {
			t.Fatal("Parse accepted a config that does not validate")
		}
	})
}

// TestCameraUnplugged: the simulator's camera may start unplugged; a
// real camera cannot be.
func TestCameraUnplugged(t *testing.T) {
	c, err := Parse([]byte(strings.Replace(readSim(t), "[simulate]", "[simulate]\ncamera_unplugged = true", 1)))
	if err != nil || !c.Simulate.CameraUnplugged {
		t.Fatalf("sim: %+v, %v", c, err)
	}
	c.Device.Backend, c.Simulate.Control = BackendReal, ""
	if err := c.validateSimulate(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "simulate.camera_unplugged") {
		t.Fatalf("real: %v", err)
	}
}

// The Debian package ships configs/palmd.toml as /etc/palmd/palmd.toml and
// creates /var/lib/palmd for palmd alone (scripts/package.sh): the file must
// drive real hardware from that directory.
func TestPackagedConfig(t *testing.T) {
	c, err := Load("../../configs/palmd.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Device.Backend != BackendReal || c.Device.StateDir != "/var/lib/palmd" || c.Camera.Device == "" {
		t.Fatalf("packaged config: backend %q, state_dir %q, camera %q", c.Device.Backend, c.Device.StateDir, c.Camera.Device)
	}
}
