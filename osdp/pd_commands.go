package osdp

import (
	"encoding"
	"encoding/binary"
	"io"
	"slices"
)

// validBauds are the rates osdp_COMSET may select.
var validBauds = []uint32{9600, 19200, 38400, 57600, 115200, 230400}

// dispatch executes one command and returns the reply.
func (pd *PD) dispatch(in *Packet, secure bool) reply {
	switch in.Code {
	case CmdPOLL:
		if len(in.Data) != 0 {
			return nakReply(NakCmdLength)
		}
		return pd.poll()
	case CmdID:
		return pd.identify(in.Data, pd.cfg.ID)
	case CmdCAP:
		return pd.identify(in.Data, PDCAP{Caps: pd.capabilities()})
	case CmdLSTAT:
		return pd.status(in.Data, func(st DeviceStatus) (byte, encoding.BinaryMarshaler) {
			return ReplyLSTATR, lstatr(st)
		})
	case CmdISTAT:
		return pd.status(in.Data, func(st DeviceStatus) (byte, encoding.BinaryMarshaler) {
			return ReplyISTATR, IOStatus{States: st.Inputs}
		})
	case CmdOSTAT:
		return pd.status(in.Data, func(st DeviceStatus) (byte, encoding.BinaryMarshaler) {
			return ReplyOSTATR, IOStatus{States: st.Outputs}
		})
	case CmdRSTAT:
		if len(in.Data) != 0 {
			return nakReply(NakCmdLength)
		}
		// The palm head is the PD's only reader and cannot be unplugged.
		return encode(ReplyRSTATR, RSTATR{Status: []byte{ReaderNormal}})
	case CmdOUT:
		return pd.out(in.Data)
	case CmdLED:
		return pd.led(in.Data)
	case CmdBUZ:
		var z BUZ
		if err := z.UnmarshalBinary(in.Data); err != nil {
			return nakFor(err)
		}
		pd.dev.Buzzer(z)
		return ack()
	case CmdTEXT:
		var t TEXT
		if err := t.UnmarshalBinary(in.Data); err != nil {
			return nakFor(err)
		}
		pd.dev.Text(t)
		return ack()
	case CmdCOMSET:
		return pd.comset(in.Data)
	case CmdKEYSET:
		return pd.keyset(in.Data, secure)
	case CmdCHLNG, CmdSCRYPT:
		return pd.handshake(in)
	case CmdACURXSIZE:
		var a ACURXSIZE
		if err := a.UnmarshalBinary(in.Data); err != nil {
			return nakFor(err)
		}
		return ack() // replies are single frames well under any panel's buffer
	case CmdKEEPACTIVE:
		var k KEEPACTIVE
		if err := k.UnmarshalBinary(in.Data); err != nil {
			return nakFor(err)
		}
		return ack()
	case CmdABORT:
		if len(in.Data) != 0 {
			return nakReply(NakCmdLength)
		}
		return ack() // nothing multi-part is ever in progress
	}
	return nakReply(NakUnknownCmd)
}

// poll answers osdp_POLL with the most important news, one item per poll:
// a tamper or power change, a card read, an input change, an output
// change; otherwise ACK. The first poll takes the baseline: a panel asks
// LSTAT and ISTAT itself when it connects.
func (pd *PD) poll() reply {
	st := pd.dev.Status()
	if pd.reported == nil {
		pd.reported = cloneStatus(st)
	}
	r := pd.reported
	if r.Tamper != st.Tamper || r.PowerFailure != st.PowerFailure {
		r.Tamper, r.PowerFailure = st.Tamper, st.PowerFailure
		return encode(ReplyLSTATR, lstatr(st))
	}
	if c := pd.nextCard(); c != nil {
		return cardReply(*c)
	}
	if len(st.Inputs) > 0 && !slices.Equal(r.Inputs, st.Inputs) {
		r.Inputs = slices.Clone(st.Inputs)
		return encode(ReplyISTATR, IOStatus{States: st.Inputs})
	}
	if len(st.Outputs) > 0 && !slices.Equal(r.Outputs, st.Outputs) {
		r.Outputs = slices.Clone(st.Outputs)
		return encode(ReplyOSTATR, IOStatus{States: st.Outputs})
	}
	return ack()
}

func cloneStatus(st DeviceStatus) *DeviceStatus {
	c := st.Clone()
	return &c
}

// nextCard moves the oldest queued read in flight.
func (pd *PD) nextCard() *Card {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	if len(pd.queue) == 0 {
		return nil
	}
	c := pd.queue[0]
	pd.queue = pd.queue[1:]
	pd.inflight = &c
	return &c.Card
}

func cardReply(c Card) reply {
	if c.Text != "" {
		return encode(ReplyFMT, FMT{Reader: 0, Direction: ReadForward, Data: []byte(c.Text)})
	}
	return encode(ReplyRAW, RAW{Reader: 0, Format: RawFormatWiegand, BitCount: uint16(c.Bits), Data: c.Data})
}

func lstatr(st DeviceStatus) LSTATR {
	var l LSTATR
	if st.Tamper {
		l.Tamper = 1
	}
	if st.PowerFailure {
		l.Power = 1
	}
	return l
}

// identify answers ID and CAP, whose one data byte must be 0 (reply type).
func (pd *PD) identify(data []byte, m encoding.BinaryMarshaler) reply {
	if len(data) != 1 {
		return nakReply(NakCmdLength)
	}
	if data[0] != 0 {
		return nakReply(NakUnableToProcess)
	}
	code := ReplyPDID
	if _, ok := m.(PDCAP); ok {
		code = ReplyPDCAP
	}
	return encode(code, m)
}

// status answers LSTAT, ISTAT and OSTAT; a PD without inputs or outputs
// does not support the command.
func (pd *PD) status(data []byte, pick func(DeviceStatus) (byte, encoding.BinaryMarshaler)) reply {
	if len(data) != 0 {
		return nakReply(NakCmdLength)
	}
	st := pd.dev.Status()
	code, m := pick(st)
	if s, ok := m.(IOStatus); ok && len(s.States) == 0 {
		return nakReply(NakUnknownCmd)
	}
	if pd.reported == nil {
		pd.reported = cloneStatus(st)
	}
	switch code { // the panel now knows these; polls report later changes
	case ReplyLSTATR:
		pd.reported.Tamper, pd.reported.PowerFailure = st.Tamper, st.PowerFailure
	case ReplyISTATR:
		pd.reported.Inputs = slices.Clone(st.Inputs)
	case ReplyOSTATR:
		pd.reported.Outputs = slices.Clone(st.Outputs)
	}
	return encode(code, m)
}

func encode(code byte, m encoding.BinaryMarshaler) reply {
	b, err := m.MarshalBinary()
	if err != nil {
		return nakReply(NakUnableToProcess)
	}
	return reply{code: code, data: b}
}

// capabilities lists what this PD does, honestly: panels use it to decide
// which commands to send.
func (pd *PD) capabilities() []Capability {
	st := pd.dev.Status()
	// Card data format: 1 = bits only (osdp_RAW), 3 = bits or characters.
	format := byte(1)
	if pd.cfg.FMT {
		format = 3
	}
	caps := []Capability{
		{CapCardDataFormat, format, 0},
		{CapReaderLED, 4, 1},     // one full-colour light ring, timed commands
		{CapReaderAudible, 2, 1}, // one buzzer, timed commands
		{CapReaderText, 1, 1},    // one display
		{CapCheckCharacter, 1, 0},
		{CapCommSecurity, 1, 1}, // AES-128, SCBK-D in install mode
		{CapReceiveBuffer, MaxPacketSize & 0xFF, MaxPacketSize >> 8},
		{CapLargestMessage, MaxPacketSize & 0xFF, MaxPacketSize >> 8},
		{CapReaders, 0, 1},
		{CapOSDPVersion, 2, 0}, // OSDP 2.2
	}
	if n := len(st.Inputs); n > 0 {
		caps = append(caps, Capability{CapContactStatus, 1, byte(n)})
	}
	if n := len(st.Outputs); n > 0 {
		caps = append(caps, Capability{CapOutputControl, 1, byte(n)})
	}
	return caps
}

func (pd *PD) out(data []byte) reply {
	var o OUT
	if err := o.UnmarshalBinary(data); err != nil {
		return nakFor(err)
	}
	for _, rec := range o.Records {
		if err := pd.dev.Output(rec); err != nil {
			pd.log.Warn("osdp: pd: output command failed", "output", rec.Output, "err", err)
			return nakReply(NakUnableToProcess)
		}
	}
	return ack()
}

// led passes every record on: panels drop readers that NAK feedback.
func (pd *PD) led(data []byte) reply {
	var l LED
	if err := l.UnmarshalBinary(data); err != nil {
		return nakFor(err)
	}
	for _, rec := range l.Records {
		pd.dev.LED(rec)
	}
	return ack()
}

// comset persists the new settings, answers with them on the old ones and
// switches after the reply has been written.
func (pd *PD) comset(data []byte) reply {
	var c COMSET
	if err := c.UnmarshalBinary(data); err != nil {
		return nakFor(err)
	}
	if c.Address >= AddrBroadcast || !slices.Contains(validBauds, c.Baud) {
		return nakReply(NakUnableToProcess)
	}
	if err := pd.dev.ComSet(c.Address, c.Baud); err != nil {
		pd.log.Warn("osdp: pd: cannot persist COMSET", "err", err)
		return nakReply(NakUnableToProcess)
	}
	pd.after = func(link Link) {
		pd.mu.Lock()
		pd.addr = c.Address
		pd.mu.Unlock()
		if bs, ok := link.(BaudSetter); ok {
			if err := bs.SetBaud(int(c.Baud)); err != nil {
				pd.log.Warn("osdp: pd: cannot change baud", "baud", c.Baud, "err", err)
			}
		}
	}
	return encode(ReplyCOM, COM(c))
}

// keyset installs a device key; only inside a Secure Channel.
func (pd *PD) keyset(data []byte, secure bool) reply {
	if !secure {
		return nakReply(NakSCRequired)
	}
	var k KEYSET
	if err := k.UnmarshalBinary(data); err != nil {
		return nakFor(err)
	}
	var key [KeySize]byte
	copy(key[:], k.Key)
	if err := pd.dev.KeySet(key); err != nil {
		pd.log.Warn("osdp: pd: cannot persist the new key", "err", err)
		return nakReply(NakUnableToProcess)
	}
	pd.mu.Lock()
	pd.scbk, pd.install = key[:], false
	pd.mu.Unlock()
	return ack()
}

// handshake answers osdp_CHLNG and osdp_SCRYPT.
func (pd *PD) handshake(in *Packet) reply {
	out := &Packet{}
	if in.Code == CmdCHLNG {
		sess, nak := pd.newSession(in)
		if nak != 0 {
			return nakReply(nak)
		}
		var rndB [8]byte
		if _, err := io.ReadFull(pd.cfg.Rand, rndB[:]); err != nil {
			return nakReply(NakUnableToProcess)
		}
		if err := sess.AnswerChallenge(in, out, pd.cUID(), rndB); err != nil {
			return nakReply(NakSCRequired)
		}
		pd.sess = sess
		return reply{code: out.Code, data: out.Data, scb: out.SCB}
	}
	if pd.sess == nil {
		return nakReply(NakSCRequired)
	}
	if err := pd.sess.AnswerSCRYPT(in, out); err != nil {
		pd.log.Warn("osdp: pd: secure channel handshake failed", "err", err)
		pd.dropSession()
		return nakReply(NakSCRequired)
	}
	pd.mu.Lock()
	pd.secured = true
	pd.mu.Unlock()
	return reply{code: out.Code, data: out.Data, scb: out.SCB}
}

// newSession picks the key the panel asked for, if policy allows it:
// SCBK-D only in install mode, SCBK only once one is set.
func (pd *PD) newSession(in *Packet) (*Session, byte) {
	pd.dropSession()
	if len(in.SCB) != 3 || in.SCBType() != SCS11 {
		return nil, NakSCRequired
	}
	pd.mu.Lock()
	scbk, install := pd.scbk, pd.install
	pd.mu.Unlock()
	var key []byte
	switch {
	case in.SCB[2] == KeyTypeSCBKD && install:
	case in.SCB[2] == KeyTypeSCBK && scbk != nil:
		key = scbk
	default:
		return nil, NakSCRequired
	}
	sess, err := NewSession(RolePD, key)
	if err != nil {
		return nil, NakUnableToProcess
	}
	return sess, 0
}

// cUID identifies the PD in the handshake: vendor OUI, model, serial.
func (pd *PD) cUID() [8]byte {
	var u [8]byte
	copy(u[:3], pd.cfg.ID.Vendor[:])
	u[3] = pd.cfg.ID.Model
	binary.LittleEndian.PutUint32(u[4:], pd.cfg.ID.Serial)
	return u
}
