package osdp

import (
	"context"
	"fmt"
)

// exchange sends out to p and returns its reply, opened when the Secure
// Channel is up. Without a reply it resends the same bytes (a PD answers
// a repeated sequence number with its stored reply, so nothing runs
// twice) up to Retries times once the PD is online, once while it is
// being brought up. The sequence number only advances on a valid reply.
func (cp *CP) exchange(ctx context.Context, f *framer, p *peer, out *Packet) (*Packet, error) {
	out.Addr, out.Seq, out.UseCRC = p.cfg.Address, p.seq, !cp.cfg.Checksum
	sealed := p.secure() && out.SCB == nil
	if sealed {
		if err := p.sess.Seal(out); err != nil {
			return nil, err
		}
	}
	frame, err := out.MarshalBinary()
	if err != nil {
		return nil, err
	}
	attempts := 1
	if p.online {
		attempts += cp.cfg.Retries
	}
	for range attempts {
		if err := f.write(frame); err != nil {
			return nil, err
		}
		r, err := cp.awaitReply(ctx, f, p, out.Seq)
		if err != nil {
			return nil, err
		}
		if r != nil {
			return cp.accept(ctx, p, r, sealed)
		}
	}
	p.repoll = true
	return nil, ErrNoReply
}

// awaitReply waits up to ReplyTimeout for p's reply to sequence seq;
// other traffic (echoes of our own frames, other PDs) is skipped.
func (cp *CP) awaitReply(ctx context.Context, f *framer, p *peer, seq byte) (*Packet, error) {
	deadline := cp.cfg.Now().Add(cp.cfg.ReplyTimeout)
	for {
		r, err := f.next(ctx, deadline)
		if r == nil || err != nil {
			return nil, err
		}
		if r.Reply && r.Addr == p.cfg.Address && r.Seq == seq {
			return r, nil
		}
	}
}

// accept checks a reply against the session and moves the sequence on.
func (cp *CP) accept(ctx context.Context, p *peer, r *Packet, sealed bool) (*Packet, error) {
	p.lastOK = cp.cfg.Now().UnixNano()
	p.repoll = false
	p.seq = p.seq%3 + 1
	if !sealed {
		return r, nil
	}
	if r.SCB == nil && r.Code == ReplyNAK {
		// The PD dropped the session (restart, MAC failure): re-key.
		p.sess, p.phase = nil, phaseHandshake
		return r, nil
	}
	if err := p.sess.Open(r); err != nil {
		cp.emit(ctx, p, Event{Kind: EventSecureFailed, Err: err.Error()})
		p.sess, p.phase = nil, phaseHandshake
		return nil, errPeerReset
	}
	return r, nil
}

// unexpected handles a reply that does not fit the bring-up step.
func (cp *CP) unexpected(ctx context.Context, p *peer, r *Packet) error {
	if err := cp.report(ctx, p, r); err != nil {
		return err
	}
	return fmt.Errorf("%w: %s during bring-up", errPeerReset, ReplyName(r.Code))
}

// report turns a reply into events and reacts to NAKs.
func (cp *CP) report(ctx context.Context, p *peer, r *Packet) error {
	ev, ok := replyEvent(r)
	if ok {
		cp.emit(ctx, p, ev)
	}
	if r.Code != ReplyNAK || len(r.Data) == 0 {
		return nil
	}
	switch r.Data[0] {
	case NakSeqNum:
		p.phase, p.sess = phaseID, nil // restart the conversation at sequence 0
	case NakSCRequired:
		if p.wantsSecure() && p.phase == phaseOnline {
			p.sess, p.phase = nil, phaseHandshake
		}
	}
	return nil
}

// emit delivers ev, waiting for the reader rather than dropping it.
func (cp *CP) emit(ctx context.Context, p *peer, ev Event) {
	ev.Time, ev.Addr = cp.cfg.Now(), p.cfg.Address
	select {
	case cp.events <- ev:
	case <-ctx.Done():
	}
}
