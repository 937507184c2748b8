package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"

	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/osdp"
)

// lineDevice is the reader palmctl pretends to be: one input, two outputs
// (relay, GPO), feedback printed.
type lineDevice struct {
	out *jsonLines
	mu  sync.Mutex
	st  osdp.DeviceStatus
}

func (d *lineDevice) Status() osdp.DeviceStatus {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.Clone()
}

func (d *lineDevice) Output(o osdp.OutputControl) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if int(o.Output) >= len(d.st.Outputs) {
		return fmt.Errorf("no output %d", o.Output)
	}
	on := o.Control == osdp.OutPermOnAbort || o.Control == osdp.OutPermOnAllow || o.Control == osdp.OutTempOnResume
	d.st.Outputs[o.Output] = on
	d.out.print(map[string]any{"kind": "output", "output": o.Output, "control": o.Control, "timer_ms": int(o.Timer) * 100})
	return nil
}

func (d *lineDevice) LED(r osdp.LEDRecord) { d.out.print(map[string]any{"kind": "led", "record": r}) }
func (d *lineDevice) Buzzer(z osdp.BUZ)    { d.out.print(map[string]any{"kind": "buzzer", "record": z}) }
func (d *lineDevice) Text(t osdp.TEXT) {
	d.out.print(map[string]any{"kind": "text", "text": string(t.Text), "row": t.Row, "column": t.Column})
}

// KeySet keeps the key for this run only; the key itself is never printed.
func (d *lineDevice) KeySet([osdp.KeySize]byte) error {
	d.out.print(map[string]any{"kind": "key-set"})
	return nil
}

func (d *lineDevice) ComSet(addr byte, baud uint32) error {
	d.out.print(map[string]any{"kind": "comset", "addr": addr, "baud": baud})
	return nil
}

func runPDLine(ctx context.Context, f osdpFlags, key []byte, port *serial.Port, out *jsonLines) error {
	addr, err := parseAddr(f.addrs)
	if err != nil {
		return err
	}
	dev := &lineDevice{out: out, st: osdp.DeviceStatus{Inputs: []bool{false}, Outputs: []bool{false, false}}}
	cfg := osdp.PDConfig{
		Address: addr, SCBK: key, InstallMode: f.install, FMT: f.fmt,
		ID: osdp.PDID{Vendor: [3]byte{'P', 'L', 'M'}, Model: 1, Version: 1, FirmwareMajor: 1},
		Observe: func(ex osdp.Exchange) {
			if ex.Command.Code == osdp.CmdPOLL && ex.Reply == osdp.ReplyACK && !f.polls {
				return
			}
			out.print(map[string]any{
				"kind": "command", "command": osdp.CommandName(ex.Command.Code), "reply": osdp.ReplyName(ex.Reply),
				"seq": ex.Command.Seq, "secure": ex.Secure, "repeat": ex.Repeat, "latency_us": ex.Latency.Microseconds(),
			})
		},
	}
	pd, err := osdp.NewPD(cfg, dev)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go readLines(ctx, out, func(_ context.Context, fields []string) error { return pdLine(pd, dev, fields) })
	out.print(map[string]any{"kind": "ready", "role": "pd", "addr": addr, "dev": f.dev})
	return pd.Run(ctx, port)
}

// pdLine applies one stdin instruction to the simulated reader.
func pdLine(pd *osdp.PD, dev *lineDevice, f []string) error {
	switch {
	case len(f) == 3 && f[0] == "card" && f[1] == "text":
		return pd.Present(osdp.Card{Text: f[2]})
	case len(f) == 3 && f[0] == "card":
		bits, err := strconv.Atoi(f[1])
		if err != nil {
			return fmt.Errorf("card bits %q: %w", f[1], err)
		}
		data, err := hex.DecodeString(f[2])
		if err != nil {
			return fmt.Errorf("card data: %w", err)
		}
		return pd.Present(osdp.Card{Bits: bits, Data: data})
	case len(f) == 2 && f[0] == "tamper":
		on, err := onOff(f[1])
		dev.mu.Lock()
		dev.st.Tamper = on && err == nil
		dev.mu.Unlock()
		return err
	case len(f) == 3 && f[0] == "input":
		n, err := strconv.Atoi(f[1])
		if err != nil || n < 0 || n >= len(dev.st.Inputs) {
			return fmt.Errorf("no input %q", f[1])
		}
		on, err := onOff(f[2])
		if err != nil {
			return err
		}
		dev.mu.Lock()
		dev.st.Inputs[n] = on
		dev.mu.Unlock()
		return nil
	}
	return errUsage
}

func onOff(s string) (bool, error) {
	switch s {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("%q: want on or off", s)
}
