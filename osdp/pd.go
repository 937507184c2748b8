package osdp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Device is what a PD drives and reports: the reader's outputs, its
// feedback (LED, buzzer, text) and its status. The PD calls it from its
// Run goroutine, one call at a time; calls must return quickly (hand long
// work to another goroutine) or the panel's 200 ms reply window is missed.
type Device interface {
	// Status returns the current tamper, power, input and output states.
	Status() DeviceStatus
	// Output applies one osdp_OUT record.
	Output(OutputControl) error
	// LED, Buzzer and Text receive the panel's feedback commands.
	LED(LEDRecord)
	Buzzer(BUZ)
	Text(TEXT)
	// KeySet persists a new Secure Channel base key (osdp_KEYSET). The PD
	// uses it from the next handshake on only if KeySet returns nil.
	KeySet(scbk [KeySize]byte) error
	// ComSet persists a new address and baud rate (osdp_COMSET); the PD
	// switches to them after its reply has gone out.
	ComSet(addr byte, baud uint32) error
}

// DeviceStatus is a snapshot of what the PD reports in LSTATR, ISTATR and
// OSTATR.
type DeviceStatus struct {
	Tamper, PowerFailure bool
	Inputs, Outputs      []bool
}

// Clone returns a copy that shares no slices with st.
func (st DeviceStatus) Clone() DeviceStatus {
	st.Inputs, st.Outputs = slices.Clone(st.Inputs), slices.Clone(st.Outputs)
	return st
}

// Card is one credential read to hand to the panel: Bits bits of Data
// (MSB of Data[0] first) go out as osdp_RAW in Wiegand format. A non-empty
// Text goes out as osdp_FMT instead, which a PD accepts only when its
// panel is known to take FMT (PDConfig.FMT).
type Card struct {
	Bits int
	Data []byte
	Text string
}

// PDConfig configures a PD.
type PDConfig struct {
	Address byte // 0x00..0x7E
	ID      PDID
	// SCBK is the installed Secure Channel base key, nil when none is set.
	// Once a key is set, the PD refuses plain commands other than ID, CAP
	// and the handshake.
	SCBK []byte
	// InstallMode lets a panel open a Secure Channel with SCBK-D to set
	// the device key with osdp_KEYSET. It ends when a key is set.
	InstallMode bool
	// LinkTimeout is how long without a valid command before Online
	// reports the panel link down; default 8 s.
	LinkTimeout time.Duration
	// QueueSize bounds the card reads waiting for polls; default 8.
	QueueSize int
	// FMT says the panel is known to take osdp_FMT (character card data,
	// deprecated since OSDP 2.2 and dropped by many panels). Only then
	// does Present take text reads and PDCAP offer character data;
	// otherwise every read goes out as osdp_RAW.
	FMT bool
	// Observe, if set, sees every command answered (including repeats)
	// with its reply code and the time from frame received to reply
	// written. It runs on the PD goroutine.
	Observe func(Exchange)
	Logger  *slog.Logger
	Now     func() time.Time
	Rand    io.Reader
}

// Exchange describes one command the PD answered.
type Exchange struct {
	Command *Packet       // as received (decrypted when it was secured)
	Reply   byte          // reply code sent, 0 when ignored
	Secure  bool          // the exchange ran inside a Secure Channel
	Repeat  bool          // the last reply was resent for a repeated sequence number
	Latency time.Duration // frame complete to reply written
}

// ErrQueueFull is returned by Present when the panel has not collected
// earlier reads.
var ErrQueueFull = errors.New("osdp: pd: card queue full")

// ErrTextNeedsFMT is returned by Present for a text read when the panel
// is not known to take osdp_FMT.
var ErrTextNeedsFMT = errors.New("osdp: pd: text card data needs a panel that takes osdp_FMT (PDConfig.FMT)")

// maxCardAttempts is how many times a card read goes to a panel that
// restarts the conversation on it before the read is dropped.
const maxCardAttempts = 3

// replyWindow is how long a panel waits for a reply (OSDP 2.2: 200 ms).
// A reply ready later is not sent: the panel has given up on it, and its
// retry, answered from the stored reply, would otherwise get a second
// copy the panel reads as the answer to its next command.
const replyWindow = 200 * time.Millisecond

// settleWait bounds the wait for a frame still arriving behind the one
// just read before replying: a half-duplex PD must not talk over it.
const settleWait = 50 * time.Millisecond

// queuedCard is a card read with the number of panel restarts it has seen
// while in flight.
type queuedCard struct {
	Card
	attempts int
}

// PD is an OSDP peripheral device: it answers a control panel's commands
// on one Link. Present, Online and Address are safe to call from any
// goroutine while Run runs.
type PD struct {
	cfg PDConfig
	dev Device
	log *slog.Logger

	mu       sync.Mutex
	queue    []queuedCard
	addr     byte
	lastRx   time.Time
	scbk     []byte
	install  bool
	secured  bool
	inflight *queuedCard // card in the last reply, until the panel moves on
	dropped  int         // reads given up after maxCardAttempts

	// State owned by the Run goroutine.
	sess      *Session
	lastSeq   int // -1: no command yet
	lastReply []byte
	lastCmd   *Packet // the command lastReply answers
	reported  *DeviceStatus
	after     func(Link) // applied once the current reply is written
}

// NewPD returns a PD answering for dev.
func NewPD(cfg PDConfig, dev Device) (*PD, error) {
	if cfg.Address >= AddrBroadcast {
		return nil, fmt.Errorf("osdp: pd: address %d out of range 0..126", cfg.Address)
	}
	if cfg.SCBK != nil && len(cfg.SCBK) != KeySize {
		return nil, fmt.Errorf("osdp: pd: %w", ErrKeySize)
	}
	if cfg.LinkTimeout <= 0 {
		cfg.LinkTimeout = 8 * time.Second
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return &PD{
		cfg: cfg, dev: dev, log: cfg.Logger, addr: cfg.Address,
		scbk: append([]byte(nil), cfg.SCBK...), install: cfg.InstallMode,
		lastSeq: -1,
	}, nil
}

// Present queues a card read for the panel's next poll. Reads go out one
// per poll, in order, and leave the queue only when the panel has
// acknowledged the reply that carried them by moving to its next sequence
// number: a lost reply is sent again, never twice to a panel that got it.
func (pd *PD) Present(c Card) error {
	if c.Text != "" && !pd.cfg.FMT {
		return ErrTextNeedsFMT
	}
	if c.Text == "" && (c.Bits <= 0 || len(c.Data) != (c.Bits+7)/8) {
		return fmt.Errorf("osdp: pd: card of %d bits with %d data bytes", c.Bits, len(c.Data))
	}
	pd.mu.Lock()
	defer pd.mu.Unlock()
	if len(pd.queue) >= pd.cfg.QueueSize {
		return ErrQueueFull
	}
	pd.queue = append(pd.queue, queuedCard{Card: Card{Bits: c.Bits, Data: append([]byte(nil), c.Data...), Text: c.Text}})
	return nil
}

// DroppedReads returns how many card reads were given up because the
// panel restarted the conversation on each of maxCardAttempts deliveries.
func (pd *PD) DroppedReads() int {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	return pd.dropped
}

// Online reports whether a panel has sent a valid command to this PD
// within the link timeout (the panel link health check).
func (pd *PD) Online() bool {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	return !pd.lastRx.IsZero() && pd.cfg.Now().Sub(pd.lastRx) < pd.cfg.LinkTimeout
}

// Address returns the PD's current address (COMSET may change it).
func (pd *PD) Address() byte {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	return pd.addr
}

// Secure reports whether a Secure Channel session is established.
func (pd *PD) Secure() bool {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	return pd.secured
}

// Run answers commands on link until ctx ends or the link fails.
func (pd *PD) Run(ctx context.Context, link Link) error {
	f := newFramer(link, pd.cfg.Now)
	for {
		p, err := f.next(ctx, time.Time{})
		got := pd.cfg.Now() // the command is complete: its reply window runs
		if err == nil {
			p, err = pd.newest(ctx, f, p)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("osdp: pd: %w", err)
		}
		ex, frame := pd.Handle(p)
		if frame == nil {
			continue
		}
		if late := pd.cfg.Now().Sub(got); late > replyWindow {
			pd.log.Warn("osdp: pd: reply not sent: ready after the panel stopped waiting",
				"command", CommandName(p.Code), "after", late)
			continue // the retry gets the stored reply; a COMSET switch waits for it
		}
		if err := f.write(frame); err != nil {
			return fmt.Errorf("osdp: pd: %w", err)
		}
		ex.Latency = pd.cfg.Now().Sub(got)
		pd.applyAfter(link)
		if pd.cfg.Observe != nil {
			pd.cfg.Observe(ex)
		}
	}
}

// newest returns the frame to answer after p was read: the newest one on
// the line. After a stall (the PD started late or was busy) the panel's
// retries pile up in the input; a reply to each older copy would reach
// the panel after it has moved on, as the answer to its next command.
// When the newest frame is another PD's traffic, the panel has moved on
// and nothing is answered (Handle ignores it).
func (pd *PD) newest(ctx context.Context, f *framer, p *Packet) (*Packet, error) {
	more, err := f.settle(ctx, pd.cfg.Now().Add(settleWait))
	if len(more) > 0 {
		pd.log.Debug("osdp: pd: stale commands dropped after a stall", "dropped", len(more))
		p = more[len(more)-1]
	}
	return p, err
}

// applyAfter runs what had to wait for the reply to leave (COMSET).
func (pd *PD) applyAfter(link Link) {
	if pd.after == nil {
		return
	}
	pd.after(link)
	pd.after = nil
}
