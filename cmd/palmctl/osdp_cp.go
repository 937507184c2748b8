package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/osdp"
)

var colors = map[string]byte{
	"off": osdp.ColorBlack, "black": osdp.ColorBlack, "red": osdp.ColorRed, "green": osdp.ColorGreen,
	"amber": osdp.ColorAmber, "blue": osdp.ColorBlue, "magenta": osdp.ColorMagenta, "cyan": osdp.ColorCyan,
	"white": osdp.ColorWhite,
}

func runCPLine(ctx context.Context, f osdpFlags, key []byte, port *serial.Port, out *jsonLines) error {
	var peers []osdp.PeerConfig
	for _, s := range strings.Split(f.addrs, ",") {
		a, err := parseAddr(s)
		if err != nil {
			return err
		}
		peers = append(peers, osdp.PeerConfig{Address: a, SCBK: key, Install: f.install})
	}
	cp, err := osdp.NewCP(osdp.CPConfig{PDs: peers, Checksum: f.checksum})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go readLines(ctx, out, func(ctx context.Context, fields []string) error { return cpLine(ctx, cp, out, fields) })
	go func() {
		for ev := range cp.Events() {
			out.print(ev)
		}
	}()
	out.print(map[string]any{"kind": "ready", "role": "cp", "dev": f.dev})
	return cp.Run(ctx, port)
}

// cpLine sends one stdin instruction to a PD and prints the reply.
func cpLine(ctx context.Context, cp *osdp.CP, out *jsonLines, f []string) error {
	if len(f) < 2 {
		return errUsage
	}
	addr, err := parseAddr(f[1])
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if f[0] == "keyset" {
		return cpKeyset(ctx, cp, out, addr, f)
	}
	code, data, err := cpCommand(f)
	if err != nil {
		return err
	}
	r, err := cp.Send(ctx, addr, code, data)
	line := map[string]any{"kind": "reply", "addr": addr, "command": osdp.CommandName(code)}
	if r != nil {
		line["reply"] = osdp.ReplyName(r.Code)
		line["data"] = hex.EncodeToString(r.Data)
	}
	if err != nil {
		line["error"] = err.Error()
	}
	out.print(line)
	return nil
}

func cpKeyset(ctx context.Context, cp *osdp.CP, out *jsonLines, addr byte, f []string) error {
	if len(f) != 3 {
		return errUsage
	}
	k, err := parseKey(f[2])
	if err != nil {
		return err
	}
	var key [osdp.KeySize]byte
	copy(key[:], k)
	line := map[string]any{"kind": "reply", "addr": addr, "command": "KEYSET"}
	if err := cp.SetKey(ctx, addr, key); err != nil {
		line["error"] = err.Error()
	} else {
		line["reply"] = "ACK"
	}
	out.print(line)
	return nil
}

// cpCommand builds the command a stdin line asks for.
func cpCommand(f []string) (byte, []byte, error) {
	switch f[0] {
	case "led":
		return cpLED(f)
	case "buz":
		count := 1
		if len(f) > 2 {
			count, _ = strconv.Atoi(f[2])
		}
		data, err := osdp.BUZ{Tone: osdp.ToneDefault, OnTime: 2, OffTime: 2, Count: byte(count)}.MarshalBinary()
		return osdp.CmdBUZ, data, err
	case "text":
		data, err := osdp.TEXT{Command: osdp.TextPermNoWrap, Row: 1, Column: 1, Text: []byte(strings.Join(f[2:], " "))}.MarshalBinary()
		return osdp.CmdTEXT, data, err
	case "out":
		return cpOut(f)
	case "comset":
		if len(f) != 4 {
			return 0, nil, errUsage
		}
		a, err := parseAddr(f[2])
		baud, berr := strconv.ParseUint(f[3], 10, 32)
		if err != nil || berr != nil {
			return 0, nil, fmt.Errorf("comset: address %q baud %q", f[2], f[3])
		}
		data, err := osdp.COMSET{Address: a, Baud: uint32(baud)}.MarshalBinary()
		return osdp.CmdCOMSET, data, err
	case "send":
		if len(f) < 3 {
			return 0, nil, errUsage
		}
		code, err := hex.DecodeString(f[2])
		if err != nil || len(code) != 1 {
			return 0, nil, fmt.Errorf("send: code %q: one byte in hex", f[2])
		}
		var data []byte
		if len(f) > 3 {
			if data, err = hex.DecodeString(f[3]); err != nil {
				return 0, nil, fmt.Errorf("send: data: %w", err)
			}
		}
		return code[0], data, nil
	}
	return 0, nil, errUsage
}

func cpLED(f []string) (byte, []byte, error) {
	if len(f) < 3 {
		return 0, nil, errUsage
	}
	c, ok := colors[f[2]]
	if !ok {
		return 0, nil, fmt.Errorf("led: unknown colour %q", f[2])
	}
	secs := 3.0
	if len(f) > 3 {
		var err error
		if secs, err = strconv.ParseFloat(f[3], 64); err != nil || secs <= 0 || secs > 6553 {
			return 0, nil, fmt.Errorf("led: seconds %q", f[3])
		}
	}
	rec := osdp.LEDRecord{Temp: osdp.LEDTemporary{Control: osdp.LEDTempSet, OnTime: 1, OnColor: c, OffColor: c, Timer: uint16(secs * 10)}}
	data, err := osdp.LED{Records: []osdp.LEDRecord{rec}}.MarshalBinary()
	return osdp.CmdLED, data, err
}

func cpOut(f []string) (byte, []byte, error) {
	if len(f) < 4 {
		return 0, nil, errUsage
	}
	n, err := strconv.Atoi(f[2])
	if err != nil || n < 0 || n > 255 {
		return 0, nil, fmt.Errorf("out: output %q", f[2])
	}
	rec := osdp.OutputControl{Output: byte(n)}
	switch f[3] {
	case "on":
		rec.Control = osdp.OutPermOnAbort
	case "off":
		rec.Control = osdp.OutPermOffAbort
	case "pulse":
		secs := 1.0
		if len(f) > 4 {
			if secs, err = strconv.ParseFloat(f[4], 64); err != nil || secs <= 0 || secs > 6553 {
				return 0, nil, fmt.Errorf("out: seconds %q", f[4])
			}
		}
		rec.Control, rec.Timer = osdp.OutTempOnResume, uint16(secs*10)
	default:
		return 0, nil, fmt.Errorf("out: %q: want on, off or pulse", f[3])
	}
	data, err := osdp.OUT{Records: []osdp.OutputControl{rec}}.MarshalBinary()
	return osdp.CmdOUT, data, err
}
