package osdp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// PeerConfig describes one PD on the CP's line.
type PeerConfig struct {
	Address byte
	// SCBK is the PD's Secure Channel base key; nil talks in the clear
	// unless Install is set.
	SCBK []byte
	// Install opens the Secure Channel with SCBK-D, for SetKey on a PD in
	// install mode.
	Install bool
}

// CPConfig configures a CP.
type CPConfig struct {
	PDs []PeerConfig
	// ReplyTimeout is how long to wait for each reply; default 200 ms.
	ReplyTimeout time.Duration
	// Retries is how many times a frame is resent before the CP moves on
	// to the next PD; default 3.
	Retries int
	// OfflineAfter marks a PD offline after this long without a valid
	// reply; default 8 s.
	OfflineAfter time.Duration
	// PollInterval is the pause after each round of the line; default
	// 0 (poll continuously, as panels do).
	PollInterval time.Duration
	// Checksum speaks OSDP 1.x framing (8-bit checksum, no Secure Channel).
	Checksum bool
	Logger   *slog.Logger
	Now      func() time.Time
	Rand     io.Reader
}

// Sentinel errors from CP.Send and SetKey.
var (
	ErrOffline    = errors.New("osdp: cp: PD offline")
	ErrUnknownPD  = errors.New("osdp: cp: no such PD on this line")
	ErrNoReply    = errors.New("osdp: cp: no reply")
	ErrNotSecure  = errors.New("osdp: cp: command needs a Secure Channel")
	errCPShutdown = errors.New("osdp: cp: stopped")
)

// NakError is a PD's refusal of a command.
type NakError struct{ Reason byte }

func (e *NakError) Error() string { return fmt.Sprintf("osdp: cp: NAK reason 0x%02X", e.Reason) }

// CP is an OSDP control panel: it polls the PDs on one line, brings them
// online (ID, CAP, Secure Channel when configured), retries, detects
// offline PDs and delivers what they report as Events. Send and SetKey
// may be called from any goroutine while Run runs.
type CP struct {
	cfg    CPConfig
	log    *slog.Logger
	peers  []*peer
	mu     sync.Mutex // guards byAddr: COMSET moves a PD
	byAddr map[byte]*peer
	events chan Event
	done   chan struct{}
}

// NewCP returns a CP for the configured PDs.
func NewCP(cfg CPConfig) (*CP, error) {
	if len(cfg.PDs) == 0 {
		return nil, errors.New("osdp: cp: no PDs configured")
	}
	setCPDefaults(&cfg)
	cp := &CP{cfg: cfg, log: cfg.Logger, byAddr: map[byte]*peer{}, events: make(chan Event, 256), done: make(chan struct{})}
	for _, pc := range cfg.PDs {
		if pc.Address >= AddrBroadcast {
			return nil, fmt.Errorf("osdp: cp: address %d out of range 0..126", pc.Address)
		}
		if cp.byAddr[pc.Address] != nil {
			return nil, fmt.Errorf("osdp: cp: address %d listed twice", pc.Address)
		}
		if pc.SCBK != nil && len(pc.SCBK) != KeySize {
			return nil, fmt.Errorf("osdp: cp: PD %d: %w", pc.Address, ErrKeySize)
		}
		if cfg.Checksum && (pc.SCBK != nil || pc.Install) {
			return nil, fmt.Errorf("osdp: cp: PD %d: OSDP 1.x checksum framing has no Secure Channel", pc.Address)
		}
		p := newPeer(pc)
		cp.peers = append(cp.peers, p)
		cp.byAddr[pc.Address] = p
	}
	return cp, nil
}

func setCPDefaults(cfg *CPConfig) {
	if cfg.ReplyTimeout <= 0 {
		cfg.ReplyTimeout = 200 * time.Millisecond
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 3
	}
	if cfg.OfflineAfter <= 0 {
		cfg.OfflineAfter = 8 * time.Second
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
}

// Events delivers what the PDs report. Read it promptly: when its buffer
// is full the CP waits rather than lose a card read.
func (cp *CP) Events() <-chan Event { return cp.events }

// Run polls the line until ctx ends or the link fails; Events is closed
// when it returns.
func (cp *CP) Run(ctx context.Context, link Link) error {
	defer close(cp.events)
	defer close(cp.done)
	f := newFramer(link, cp.cfg.Now)
	for {
		for _, p := range cp.peers {
			if err := cp.service(ctx, f, p); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("osdp: cp: %w", err)
			}
		}
		if cp.cfg.PollInterval > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(cp.cfg.PollInterval):
			}
		}
	}
}

// Send queues a command for the PD at addr and waits for its reply. A NAK
// comes back as *NakError.
func (cp *CP) Send(ctx context.Context, addr, code byte, payload []byte) (*Packet, error) {
	return cp.submit(ctx, addr, &request{code: code, data: payload})
}

// SetKey installs a new Secure Channel base key on the PD at addr with
// osdp_KEYSET (the session must be secure, normally on SCBK-D in install
// mode) and re-opens the Secure Channel with it.
func (cp *CP) SetKey(ctx context.Context, addr byte, key [KeySize]byte) error {
	data, err := KEYSET{KeyType: KeyTypeSCBK, Key: key[:]}.MarshalBinary()
	if err != nil {
		return err
	}
	_, err = cp.submit(ctx, addr, &request{code: CmdKEYSET, data: data, newKey: key[:]})
	return err
}

func (cp *CP) submit(ctx context.Context, addr byte, req *request) (*Packet, error) {
	cp.mu.Lock()
	p := cp.byAddr[addr]
	cp.mu.Unlock()
	if p == nil {
		return nil, fmt.Errorf("%w: %d", ErrUnknownPD, addr)
	}
	req.done = make(chan result, 1)
	select {
	case p.requests <- req:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-cp.done:
		return nil, errCPShutdown
	}
	select {
	case r := <-req.done:
		return r.reply, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-cp.done:
		return nil, errCPShutdown
	}
}
