package osdp

import (
	"bytes"
	"errors"
)

// plainAllowed lists the commands a PD with a device key still answers
// outside a Secure Channel: identification and the handshake itself.
var plainAllowed = map[byte]bool{CmdID: true, CmdCAP: true, CmdCHLNG: true, CmdSCRYPT: true}

// Handle answers one received frame and returns the encoded reply, or nil
// when the frame is not for this PD. Run calls it for every frame; it is
// exported for tests and for links that deliver whole frames.
func (pd *PD) Handle(in *Packet) (Exchange, []byte) {
	ex := Exchange{Command: in}
	if !pd.forMe(in) {
		return ex, nil // another PD's traffic on a shared line
	}
	pd.mu.Lock()
	pd.lastRx = pd.cfg.Now()
	pd.mu.Unlock()

	if pd.isRepeat(in) {
		ex.Repeat, ex.Reply, ex.Secure = true, pd.lastReply[pd.replyCodeOffset()], pd.sess != nil && pd.sess.Established()
		return ex, marked(in, pd.lastReply)
	}
	pd.lastCmd = in
	if in.Seq == 0 {
		pd.restartLink(in.Code == CmdCHLNG)
	} else if pd.lastSeq >= 0 && int(in.Seq) != pd.lastSeq%3+1 {
		return pd.finish(ex, in, false, nakReply(NakSeqNum))
	} else {
		pd.confirmInflight()
	}

	secure, nak := pd.unseal(in)
	if nak != 0 {
		return pd.finish(ex, in, false, nakReply(nak))
	}
	return pd.finish(ex, in, secure, pd.dispatch(in, secure))
}

// finish encodes (and seals inside a Secure Channel) the reply and keeps
// it for a repeated sequence number.
func (pd *PD) finish(ex Exchange, in *Packet, secure bool, r reply) (Exchange, []byte) {
	out := &Packet{Addr: pd.Address(), Reply: true, Seq: in.Seq, UseCRC: in.UseCRC, Code: r.code, Data: r.data, SCB: r.scb}
	if secure {
		if err := pd.sess.Seal(out); err != nil {
			pd.log.Warn("osdp: pd: cannot seal reply; dropping the session", "err", err)
			pd.dropSession()
			out = &Packet{Addr: out.Addr, Reply: true, Seq: in.Seq, UseCRC: in.UseCRC, Code: ReplyNAK, Data: []byte{NakSCRequired}}
		}
	}
	frame, err := out.MarshalBinary()
	if err != nil {
		pd.log.Warn("osdp: pd: cannot encode reply", "reply", ReplyName(r.code), "err", err)
		out = &Packet{Addr: out.Addr, Reply: true, Seq: in.Seq, UseCRC: in.UseCRC, Code: ReplyNAK, Data: []byte{NakUnableToProcess}}
		frame, _ = out.MarshalBinary()
	}
	pd.lastSeq, pd.lastReply = int(in.Seq), frame
	ex.Reply, ex.Secure = out.Code, secure
	return ex, marked(in, frame)
}

// marked puts the mark byte before a reply when the command had one:
// OSDP 2.2 PDs mirror the panel's choice. The stored reply has none, so
// a repeat mirrors the repeated command.
func marked(in *Packet, frame []byte) []byte {
	if !in.Mark {
		return frame
	}
	return append([]byte{MarkByte}, frame...)
}

// forMe reports whether the PD answers a frame: a command to its address
// or to the broadcast address.
func (pd *PD) forMe(in *Packet) bool {
	addr := pd.Address()
	return !in.Reply && (in.Addr == addr || in.Addr == AddrBroadcast)
}

// isRepeat reports whether in repeats the command last answered: the
// panel lost the reply. Sequence 0 restarts the conversation, so there
// only an identical frame counts as a repeat.
func (pd *PD) isRepeat(in *Packet) bool {
	if pd.lastReply == nil || int(in.Seq) != pd.lastSeq {
		return false
	}
	if in.Seq != 0 {
		return true
	}
	l := pd.lastCmd
	return l != nil && l.Code == in.Code && bytes.Equal(l.Data, in.Data) && bytes.Equal(l.SCB, in.SCB) && bytes.Equal(l.MAC, in.MAC)
}

// replyCodeOffset locates the reply code in the stored frame.
func (pd *PD) replyCodeOffset() int {
	if pd.lastReply[4]&CtrlSCB != 0 {
		return headerSize + int(pd.lastReply[headerSize])
	}
	return headerSize
}

// restartLink handles sequence number 0: the panel has (re)started the
// conversation, so an unconfirmed card read goes back to the head of the
// queue, and any Secure Channel ends. A read the panel has restarted on
// maxCardAttempts times is one it does not take (a format it refuses, a
// length it chokes on): it is dropped, so that it cannot keep every later
// report from the panel.
func (pd *PD) restartLink(challenge bool) {
	pd.lastSeq, pd.lastReply = -1, nil
	pd.mu.Lock()
	if c := pd.inflight; c != nil {
		pd.inflight = nil
		if c.attempts++; c.attempts < maxCardAttempts {
			pd.queue = append([]queuedCard{*c}, pd.queue...)
		} else {
			pd.dropped++
			pd.log.Warn("osdp: pd: card read dropped: the panel restarted on it each time", "attempts", c.attempts, "bits", c.Bits, "text", c.Text != "")
		}
	}
	pd.mu.Unlock()
	if !challenge {
		pd.dropSession()
	}
}

// confirmInflight drops the card carried by the previous reply: the panel
// has moved on to its next sequence number, so it received that reply.
func (pd *PD) confirmInflight() {
	pd.mu.Lock()
	pd.inflight = nil
	pd.mu.Unlock()
}

func (pd *PD) dropSession() {
	pd.sess = nil
	pd.mu.Lock()
	pd.secured = false
	pd.mu.Unlock()
}

// unseal checks and decrypts a secured command and applies the Secure
// Channel policy. It returns whether the reply must be sealed, or a NAK
// reason.
func (pd *PD) unseal(in *Packet) (secure bool, nak byte) {
	t := in.SCBType()
	switch {
	case in.SCB != nil && !in.UseCRC:
		return false, NakSCUnsupported // OSDP 1.x framing has no Secure Channel
	case t == SCS11 || t == SCS13:
		return false, 0 // handshake, answered by dispatch
	case in.SCB != nil:
		if pd.sess == nil || !pd.sess.Established() {
			return false, NakSCRequired
		}
		if err := pd.sess.Open(in); err != nil {
			pd.log.Warn("osdp: pd: secure message rejected; session closed", "err", err)
			pd.dropSession()
			return false, NakSCRequired
		}
		return true, 0
	}
	if pd.sess != nil && pd.sess.Established() {
		pd.dropSession() // a plain message ends the Secure Channel
	}
	pd.mu.Lock()
	keyed := pd.scbk != nil
	pd.mu.Unlock()
	if keyed && !plainAllowed[in.Code] {
		return false, NakSCRequired
	}
	return false, 0
}

// reply is what dispatch answers: a code, its payload and, for the
// handshake, the security block.
type reply struct {
	code      byte
	data, scb []byte
}

func ack() reply                 { return reply{code: ReplyACK} }
func nakReply(reason byte) reply { return reply{code: ReplyNAK, data: []byte{reason}} }

// nakFor maps a payload decoding error to its NAK reason.
func nakFor(err error) reply {
	if errors.Is(err, ErrPayloadLength) {
		return nakReply(NakCmdLength)
	}
	return nakReply(NakUnableToProcess)
}
