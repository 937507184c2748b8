package osdp_test

import (
	"testing"

	"github.com/palmd/palmd/osdp"
)

// FuzzPDHandle feeds arbitrary line bytes through a Decoder into a PD in
// install mode: it must never panic, and every reply must be a valid frame
// addressed from the PD, with the command's mark byte mirrored.
func FuzzPDHandle(f *testing.F) {
	for _, p := range []*osdp.Packet{
		cmd(osdp.CmdPOLL), cmd(osdp.CmdID, 0), cmd(osdp.CmdCAP, 0), cmd(osdp.CmdLSTAT),
		cmd(osdp.CmdOUT, 0, 2, 0, 0), cmd(osdp.CmdLED, 0, 0, 2, 5, 5, 2, 0, 30, 0, 1, 1, 0, 1, 0),
		cmd(osdp.CmdBUZ, 0, 2, 1, 1, 3), cmd(osdp.CmdTEXT, 0, 1, 0, 1, 1, 1, 'x'),
		cmd(osdp.CmdCOMSET, 2, 0x80, 0x25, 0, 0), cmd(osdp.CmdKEYSET, 1, 1, 0),
		{Addr: 1, UseCRC: true, SCB: []byte{3, osdp.SCS11, 0}, Code: osdp.CmdCHLNG, Data: make([]byte, 8)},
		{Addr: 1, UseCRC: true, SCB: []byte{3, osdp.SCS13, 0}, Code: osdp.CmdSCRYPT, Data: make([]byte, 16)},
		{Addr: 1, UseCRC: true, SCB: []byte{2, osdp.SCS17}, Code: osdp.CmdLED, Data: make([]byte, 16), MAC: make([]byte, 4)},
	} {
		frame, err := p.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(frame)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		pd, err := osdp.NewPD(osdp.PDConfig{Address: 1, InstallMode: true, ID: testID}, newDevice())
		if err != nil {
			t.Fatal(err)
		}
		dec := osdp.NewDecoder()
		_, _ = dec.Write(line)
		for range 64 {
			p, err := dec.Next()
			if p == nil && err == nil {
				return
			}
			if p == nil {
				continue
			}
			_, out := pd.Handle(p)
			if out == nil {
				continue
			}
			if p.Mark != (out[0] == osdp.MarkByte) {
				t.Fatalf("command marked %v, reply % X", p.Mark, out)
			}
			if p.Mark {
				out = out[1:]
			}
			r, err := osdp.ParsePacket(out)
			if err != nil {
				t.Fatalf("PD wrote an invalid reply: %v", err)
			}
			if !r.Reply || r.Addr != pd.Address() && p.Code != osdp.CmdCOMSET {
				t.Fatalf("reply header %+v", r)
			}
		}
	})
}
