package osdp

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// phase is how far a PD has been brought up.
type phase int

const (
	phaseID        phase = iota // send osdp_ID with sequence 0
	phaseCAP                    // send osdp_CAP
	phaseHandshake              // open the Secure Channel
	phaseOnline                 // poll and send queued commands
)

type request struct {
	code   byte
	data   []byte
	newKey []byte // KEYSET: the key to use once the PD accepts it
	done   chan result
}

type result struct {
	reply *Packet
	err   error
}

// peer is the CP's state for one PD. Only the Run goroutine touches it,
// except for the requests channel.
type peer struct {
	cfg      PeerConfig
	phase    phase
	online   bool
	seq      byte
	sess     *Session
	lastOK   int64 // Now().UnixNano() of the last valid reply
	repoll   bool  // last exchange failed: poll again with the same sequence number
	requests chan *request
	id       PDID
	caps     PDCAP
}

func newPeer(cfg PeerConfig) *peer {
	return &peer{cfg: cfg, requests: make(chan *request, 16)}
}

func (p *peer) wantsSecure() bool { return p.cfg.SCBK != nil || p.cfg.Install }

func (p *peer) secure() bool { return p.sess != nil && p.sess.Established() }

// service runs one exchange (or one handshake) with p.
func (cp *CP) service(ctx context.Context, f *framer, p *peer) error {
	if p.online && cp.cfg.Now().UnixNano()-p.lastOK > cp.cfg.OfflineAfter.Nanoseconds() {
		cp.offline(ctx, p)
	}
	var err error
	switch p.phase {
	case phaseID:
		err = cp.bringUpID(ctx, f, p)
	case phaseCAP:
		err = cp.bringUpCAP(ctx, f, p)
	case phaseHandshake:
		err = cp.handshake(ctx, f, p)
	default:
		err = cp.serviceOnline(ctx, f, p)
	}
	if errors.Is(err, ErrNoReply) || errors.Is(err, errPeerReset) {
		return nil
	}
	return err
}

// errPeerReset means the exchange ended the PD's session or sequence;
// service starts over in the right phase on its next turn.
var errPeerReset = errors.New("osdp: cp: PD needs bring-up")

func (cp *CP) bringUpID(ctx context.Context, f *framer, p *peer) error {
	p.seq, p.sess, p.repoll = 0, nil, false
	r, err := cp.exchange(ctx, f, p, &Packet{Code: CmdID, Data: []byte{0}})
	if err != nil {
		return err
	}
	if r.Code != ReplyPDID || p.id.UnmarshalBinary(r.Data) != nil {
		return cp.unexpected(ctx, p, r)
	}
	p.phase = phaseCAP
	return nil
}

func (cp *CP) bringUpCAP(ctx context.Context, f *framer, p *peer) error {
	r, err := cp.exchange(ctx, f, p, &Packet{Code: CmdCAP, Data: []byte{0}})
	if err != nil {
		return err
	}
	if r.Code != ReplyPDCAP || p.caps.UnmarshalBinary(r.Data) != nil {
		return cp.unexpected(ctx, p, r)
	}
	if p.wantsSecure() {
		p.phase = phaseHandshake
		return nil
	}
	return cp.goOnline(ctx, p)
}

// handshake runs CHLNG/CCRYPT and SCRYPT/RMAC_I back to back.
func (cp *CP) handshake(ctx context.Context, f *framer, p *peer) error {
	sess, err := NewSession(RoleCP, p.cfg.SCBK)
	if err != nil {
		return err
	}
	var rndA [8]byte
	if _, err := io.ReadFull(cp.cfg.Rand, rndA[:]); err != nil {
		return fmt.Errorf("random: %w", err)
	}
	p.sess = nil
	chlng := &Packet{}
	if err := sess.Challenge(chlng, rndA); err != nil {
		return err
	}
	r, err := cp.exchange(ctx, f, p, chlng)
	if err != nil {
		return err
	}
	scrypt := &Packet{}
	if err := sess.AnswerCCRYPT(r, scrypt); err != nil {
		return cp.handshakeFailed(ctx, p, r, err)
	}
	if r, err = cp.exchange(ctx, f, p, scrypt); err != nil {
		return err
	}
	if err := sess.FinishRMACI(r); err != nil {
		return cp.handshakeFailed(ctx, p, r, err)
	}
	p.sess = sess
	return cp.goOnline(ctx, p)
}

func (cp *CP) handshakeFailed(ctx context.Context, p *peer, r *Packet, err error) error {
	ev := Event{Kind: EventSecureFailed, Err: err.Error()}
	if r.Code == ReplyNAK && len(r.Data) > 0 {
		ev.Reason = r.Data[0]
	}
	cp.emit(ctx, p, ev)
	p.phase = phaseID // start over; the panel keeps trying, as real ones do
	return errPeerReset
}

func (cp *CP) goOnline(ctx context.Context, p *peer) error {
	p.phase = phaseOnline
	if !p.online {
		p.online = true
		id := p.id
		cp.emit(ctx, p, Event{Kind: EventOnline, ID: &id, Secure: p.secure()})
	}
	return nil
}

func (cp *CP) offline(ctx context.Context, p *peer) {
	p.online, p.phase, p.sess = false, phaseID, nil
	cp.emit(ctx, p, Event{Kind: EventOffline})
}

// serviceOnline sends one queued command, or polls.
func (cp *CP) serviceOnline(ctx context.Context, f *framer, p *peer) error {
	if !p.repoll {
		select {
		case req := <-p.requests:
			return cp.runRequest(ctx, f, p, req)
		default:
		}
	}
	r, err := cp.exchange(ctx, f, p, &Packet{Code: CmdPOLL})
	if err != nil {
		return err
	}
	return cp.report(ctx, p, r)
}

func (cp *CP) runRequest(ctx context.Context, f *framer, p *peer, req *request) error {
	if req.code == CmdKEYSET && !p.secure() {
		req.done <- result{err: ErrNotSecure}
		return nil
	}
	r, err := cp.exchange(ctx, f, p, &Packet{Code: req.code, Data: req.data})
	if err != nil {
		req.done <- result{err: err}
		return err
	}
	if r.Code == ReplyNAK {
		var n NAK
		_ = n.UnmarshalBinary(r.Data)
		req.done <- result{reply: r, err: &NakError{Reason: n.Reason}}
		return cp.report(ctx, p, r)
	}
	if req.newKey != nil && r.Code == ReplyACK {
		p.cfg.SCBK, p.cfg.Install = req.newKey, false
		p.phase = phaseHandshake // the new key applies from the next session
		cp.emit(ctx, p, Event{Kind: EventKeySet})
	}
	if req.code == CmdCOMSET && r.Code == ReplyCOM {
		cp.readdress(p, r)
	}
	req.done <- result{reply: r}
	return cp.report(ctx, p, r)
}

// readdress follows a PD to the address it accepted with osdp_COM.
func (cp *CP) readdress(p *peer, r *Packet) {
	var c COM
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if c.UnmarshalBinary(r.Data) != nil || c.Address == p.cfg.Address || cp.byAddr[c.Address] != nil {
		return
	}
	delete(cp.byAddr, p.cfg.Address)
	p.cfg.Address = c.Address
	cp.byAddr[c.Address] = p
}
