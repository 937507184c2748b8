package osdp_test

import (
	"bytes"
	"testing"

	"github.com/palmd/palmd/osdp"
)

// pdHarness drives a PD's Handle directly, frame by frame.
type pdHarness struct {
	t   *testing.T
	pd  *osdp.PD
	dev *device
	seq byte
}

func newHarness(t *testing.T, cfg osdp.PDConfig) *pdHarness {
	cfg.ID = testID
	dev := newDevice()
	pd, err := osdp.NewPD(cfg, dev)
	if err != nil {
		t.Fatal(err)
	}
	return &pdHarness{t: t, pd: pd, dev: dev}
}

// send delivers one command with the next sequence number and returns the
// decoded reply (nil when the PD stayed silent).
func (h *pdHarness) send(p *osdp.Packet) *osdp.Packet {
	h.t.Helper()
	p.Seq = h.seq
	h.seq = h.seq%3 + 1
	return h.deliver(p)
}

func (h *pdHarness) deliver(p *osdp.Packet) *osdp.Packet {
	h.t.Helper()
	frame, err := p.MarshalBinary()
	if err != nil {
		h.t.Fatal(err)
	}
	in, err := osdp.ParsePacket(frame)
	if err != nil {
		h.t.Fatal(err)
	}
	_, out := h.pd.Handle(in)
	if out == nil {
		return nil
	}
	r, err := osdp.ParsePacket(out)
	if err != nil {
		h.t.Fatalf("PD sent an undecodable reply: %v", err)
	}
	if !r.Reply || r.Seq != p.Seq || r.UseCRC != p.UseCRC {
		h.t.Fatalf("reply header %+v does not answer %+v", r, p)
	}
	return r
}

func cmd(code byte, data ...byte) *osdp.Packet {
	return &osdp.Packet{Addr: 1, UseCRC: true, Code: code, Data: data}
}

// TestPDCommands checks the reply to every command the PD implements and
// every NAK reason it gives.
func TestPDCommands(t *testing.T) {
	ledRec := []byte{0, 0, 2, 5, 5, 2, 0, 30, 0, 1, 1, 0, 1, 0}
	for _, tc := range []struct {
		name   string
		in     *osdp.Packet
		reply  byte
		reason byte // NAK reason, when reply is NAK
	}{
		{"POLL", cmd(osdp.CmdPOLL), osdp.ReplyACK, 0},
		{"ID", cmd(osdp.CmdID, 0), osdp.ReplyPDID, 0},
		{"CAP", cmd(osdp.CmdCAP, 0), osdp.ReplyPDCAP, 0},
		{"LSTAT", cmd(osdp.CmdLSTAT), osdp.ReplyLSTATR, 0},
		{"ISTAT", cmd(osdp.CmdISTAT), osdp.ReplyISTATR, 0},
		{"OSTAT", cmd(osdp.CmdOSTAT), osdp.ReplyOSTATR, 0},
		{"RSTAT", cmd(osdp.CmdRSTAT), osdp.ReplyRSTATR, 0},
		{"OUT", cmd(osdp.CmdOUT, 1, osdp.OutPermOnAbort, 0, 0), osdp.ReplyACK, 0},
		{"LED", cmd(osdp.CmdLED, ledRec...), osdp.ReplyACK, 0},
		{"LED unknown LED number is still accepted", cmd(osdp.CmdLED, append([]byte{0, 9}, ledRec[2:]...)...), osdp.ReplyACK, 0},
		{"BUZ", cmd(osdp.CmdBUZ, 0, 2, 1, 1, 3), osdp.ReplyACK, 0},
		{"TEXT", cmd(osdp.CmdTEXT, 0, 1, 0, 1, 1, 2, 'h', 'i'), osdp.ReplyACK, 0},
		{"COMSET", cmd(osdp.CmdCOMSET, 9, 0x80, 0x25, 0, 0), osdp.ReplyCOM, 0},
		{"ACURXSIZE", cmd(osdp.CmdACURXSIZE, 0x00, 0x04), osdp.ReplyACK, 0},
		{"KEEPACTIVE", cmd(osdp.CmdKEEPACTIVE, 0xE8, 0x03), osdp.ReplyACK, 0},
		{"ABORT", cmd(osdp.CmdABORT), osdp.ReplyACK, 0},
		{"POLL with data", cmd(osdp.CmdPOLL, 1), osdp.ReplyNAK, osdp.NakCmdLength},
		{"ID without reply type", cmd(osdp.CmdID), osdp.ReplyNAK, osdp.NakCmdLength},
		{"LED short record", cmd(osdp.CmdLED, 0, 0, 1), osdp.ReplyNAK, osdp.NakCmdLength},
		{"unknown command", cmd(0x7E), osdp.ReplyNAK, osdp.NakUnknownCmd},
		{"BIOREAD not supported", cmd(osdp.CmdBIOREAD, 0, 0, 0, 0), osdp.ReplyNAK, osdp.NakUnknownCmd},
		{"MFG not supported", cmd(osdp.CmdMFG, 1, 2, 3), osdp.ReplyNAK, osdp.NakUnknownCmd},
		{"security block on checksum framing", &osdp.Packet{Addr: 1, SCB: []byte{2, osdp.SCS15}, Code: osdp.CmdPOLL, MAC: make([]byte, 4)}, osdp.ReplyNAK, osdp.NakSCUnsupported},
		{"secured command without a session", &osdp.Packet{Addr: 1, UseCRC: true, SCB: []byte{2, osdp.SCS15}, Code: osdp.CmdPOLL, MAC: make([]byte, 4)}, osdp.ReplyNAK, osdp.NakSCRequired},
		{"KEYSET in the clear", cmd(osdp.CmdKEYSET, append([]byte{1, 16}, testKey...)...), osdp.ReplyNAK, osdp.NakSCRequired},
		{"CHLNG for SCBK-D outside install mode", &osdp.Packet{Addr: 1, UseCRC: true, SCB: []byte{3, osdp.SCS11, 0}, Code: osdp.CmdCHLNG, Data: make([]byte, 8)}, osdp.ReplyNAK, osdp.NakSCRequired},
		{"OUT to a missing output", cmd(osdp.CmdOUT, 7, osdp.OutPermOnAbort, 0, 0), osdp.ReplyNAK, osdp.NakUnableToProcess},
		{"COMSET bad baud", cmd(osdp.CmdCOMSET, 9, 1, 2, 3, 4), osdp.ReplyNAK, osdp.NakUnableToProcess},
		{"COMSET broadcast address", cmd(osdp.CmdCOMSET, 0x7F, 0x80, 0x25, 0, 0), osdp.ReplyNAK, osdp.NakUnableToProcess},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, osdp.PDConfig{Address: 1})
			r := h.send(tc.in)
			if r == nil {
				t.Fatal("no reply")
			}
			if r.Code != tc.reply {
				t.Fatalf("reply %s % X, want %s", osdp.ReplyName(r.Code), r.Data, osdp.ReplyName(tc.reply))
			}
			if tc.reply == osdp.ReplyNAK && (len(r.Data) != 1 || r.Data[0] != tc.reason) {
				t.Fatalf("NAK data % X, want reason 0x%02X", r.Data, tc.reason)
			}
		})
	}
}

func TestPDSequenceRules(t *testing.T) {
	h := newHarness(t, osdp.PDConfig{Address: 1})
	buz := cmd(osdp.CmdBUZ, 0, 2, 1, 1, 1)
	for want := 1; want <= 2; want++ { // at sequence 0, then at 1
		first := h.send(buz)
		again := h.deliver(&osdp.Packet{Addr: 1, UseCRC: true, Seq: first.Seq, Code: osdp.CmdBUZ, Data: buz.Data})
		if again == nil || again.Code != first.Code {
			t.Fatalf("repeat got %v, want the stored %v", again, first)
		}
		if n := len(h.dev.snapshot().buzzes); n != want {
			t.Fatalf("seq %d: repeated sequence number ran the command %d times", first.Seq, n-want+1)
		}
	}
	// Skipping a sequence number is refused.
	r := h.deliver(&osdp.Packet{Addr: 1, UseCRC: true, Seq: 3, Code: osdp.CmdPOLL})
	if r.Code != osdp.ReplyNAK || r.Data[0] != osdp.NakSeqNum {
		t.Fatalf("out-of-order sequence: %s % X", osdp.ReplyName(r.Code), r.Data)
	}
}

func TestPDIgnoresOtherTraffic(t *testing.T) {
	h := newHarness(t, osdp.PDConfig{Address: 1})
	if r := h.deliver(&osdp.Packet{Addr: 2, UseCRC: true, Code: osdp.CmdPOLL}); r != nil {
		t.Fatalf("answered a command for address 2: %+v", r)
	}
	if r := h.deliver(&osdp.Packet{Addr: 1, Reply: true, UseCRC: true, Code: osdp.ReplyACK}); r != nil {
		t.Fatalf("answered a reply: %+v", r)
	}
	r := h.deliver(&osdp.Packet{Addr: osdp.AddrBroadcast, UseCRC: true, Code: osdp.CmdID, Data: []byte{0}})
	if r == nil || r.Addr != 1 || r.Code != osdp.ReplyPDID {
		t.Fatalf("broadcast ID: %+v", r)
	}
}

// TestPDCardNotLostOnRestart: a read whose reply the panel never
// confirmed goes out again after the panel restarts at sequence 0.
func TestPDCardNotLostOnRestart(t *testing.T) {
	h := newHarness(t, osdp.PDConfig{Address: 1})
	h.send(cmd(osdp.CmdPOLL))
	if err := h.pd.Present(osdp.Card{Bits: 8, Data: []byte{0x5A}}); err != nil {
		t.Fatal(err)
	}
	if r := h.send(cmd(osdp.CmdPOLL)); r.Code != osdp.ReplyRAW {
		t.Fatalf("poll with a queued card: %s", osdp.ReplyName(r.Code))
	}
	h.seq = 0 // the panel lost the reply and restarted
	if r := h.send(cmd(osdp.CmdPOLL)); r.Code != osdp.ReplyRAW || !bytes.Equal(r.Data[4:], []byte{0x5A}) {
		t.Fatalf("after restart: %s % X, want the card again", osdp.ReplyName(r.Code), r.Data)
	}
	h.send(cmd(osdp.CmdPOLL)) // confirms
	if r := h.send(cmd(osdp.CmdPOLL)); r.Code != osdp.ReplyACK {
		t.Fatalf("card delivered twice: %s", osdp.ReplyName(r.Code))
	}
}

// TestPDSecurePolicy: a tampered secure command is NAKed and ends the
// session; plain traffic ends a session too.
func TestPDSecurePolicy(t *testing.T) {
	h := newHarness(t, osdp.PDConfig{Address: 1, SCBK: testKey})
	cp, err := osdp.NewSession(osdp.RoleCP, testKey)
	if err != nil {
		t.Fatal(err)
	}
	h.handshake(cp)
	if !h.pd.Secure() {
		t.Fatal("no session after handshake")
	}
	p := cmd(osdp.CmdPOLL)
	p.Seq = h.seq
	if err := cp.Seal(p); err != nil {
		t.Fatal(err)
	}
	p.MAC[0] ^= 1
	h.seq = h.seq%3 + 1
	if r := h.deliver(p); r.Code != osdp.ReplyNAK || r.Data[0] != osdp.NakSCRequired {
		t.Fatalf("tampered MAC: %s % X", osdp.ReplyName(r.Code), r.Data)
	}
	if h.pd.Secure() {
		t.Fatal("session survived a MAC failure")
	}
	if r := h.send(cmd(osdp.CmdPOLL)); r.Code != osdp.ReplyNAK || r.Data[0] != osdp.NakSCRequired {
		t.Fatalf("plain POLL to a keyed PD: %s", osdp.ReplyName(r.Code))
	}
	if r := h.send(cmd(osdp.CmdID, 0)); r.Code != osdp.ReplyPDID {
		t.Fatalf("plain ID to a keyed PD: %s", osdp.ReplyName(r.Code))
	}
}

// handshake runs CHLNG and SCRYPT against the harness PD.
func (h *pdHarness) handshake(cp *osdp.Session) {
	h.t.Helper()
	ch := &osdp.Packet{Addr: 1, UseCRC: true}
	if err := cp.Challenge(ch, [8]byte{1, 2, 3, 4, 5, 6, 7, 8}); err != nil {
		h.t.Fatal(err)
	}
	r := h.send(ch)
	sc := &osdp.Packet{Addr: 1, UseCRC: true}
	if err := cp.AnswerCCRYPT(r, sc); err != nil {
		h.t.Fatal(err)
	}
	if err := cp.FinishRMACI(h.send(sc)); err != nil {
		h.t.Fatal(err)
	}
}
