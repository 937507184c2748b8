package osdp

import (
	"encoding/hex"
	"time"
)

// EventKind says what a CP Event reports.
type EventKind string

// Event kinds.
const (
	EventOnline       EventKind = "online"        // PD answered ID and CAP (and the handshake)
	EventOffline      EventKind = "offline"       // no valid reply within OfflineAfter
	EventCard         EventKind = "card"          // osdp_RAW or osdp_FMT
	EventKeypad       EventKind = "keypad"        // osdp_KEYPAD
	EventStatus       EventKind = "status"        // osdp_LSTATR: tamper and power
	EventInputs       EventKind = "inputs"        // osdp_ISTATR
	EventOutputs      EventKind = "outputs"       // osdp_OSTATR
	EventReaders      EventKind = "readers"       // osdp_RSTATR
	EventNAK          EventKind = "nak"           // the PD refused a command
	EventKeySet       EventKind = "key-set"       // the PD accepted osdp_KEYSET
	EventSecureFailed EventKind = "secure-failed" // handshake or MAC failure
)

// Event is something a PD reported to the CP. Fields not used by a kind
// are zero and left out of its JSON.
type Event struct {
	Time   time.Time `json:"time"`
	Addr   byte      `json:"addr"`
	Kind   EventKind `json:"kind"`
	Bits   int       `json:"bits,omitempty"`   // card: bit count of Data
	Data   HexBytes  `json:"data,omitempty"`   // card: raw bits, MSB first
	Text   string    `json:"text,omitempty"`   // card (FMT) or keypad characters
	Tamper *bool     `json:"tamper,omitempty"` // status
	Power  *bool     `json:"power_failure,omitempty"`
	States []bool    `json:"states,omitempty"` // inputs, outputs
	Reason byte      `json:"reason,omitempty"` // nak, secure-failed
	ID     *PDID     `json:"id,omitempty"`     // online
	Secure bool      `json:"secure,omitempty"` // online over a Secure Channel
	Err    string    `json:"error,omitempty"`
}

// HexBytes prints as hex in JSON.
type HexBytes []byte

// MarshalText encodes b as lower-case hex.
func (b HexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(b)), nil }

// UnmarshalText decodes hex.
func (b *HexBytes) UnmarshalText(t []byte) error {
	v, err := hex.DecodeString(string(t))
	*b = v
	return err
}

// replyEvent maps a reply to the event it reports, if any.
func replyEvent(r *Packet) (Event, bool) {
	switch r.Code {
	case ReplyRAW:
		var c RAW
		if c.UnmarshalBinary(r.Data) == nil {
			return Event{Kind: EventCard, Bits: int(c.BitCount), Data: c.Data}, true
		}
	case ReplyFMT:
		var c FMT
		if c.UnmarshalBinary(r.Data) == nil {
			return Event{Kind: EventCard, Text: string(c.Data)}, true
		}
	case ReplyKEYPAD:
		var k KEYPAD
		if k.UnmarshalBinary(r.Data) == nil {
			return Event{Kind: EventKeypad, Text: string(k.Digits)}, true
		}
	case ReplyLSTATR:
		var l LSTATR
		if l.UnmarshalBinary(r.Data) == nil {
			t, p := l.Tamper == 1, l.Power == 1
			return Event{Kind: EventStatus, Tamper: &t, Power: &p}, true
		}
	case ReplyISTATR, ReplyOSTATR:
		var s IOStatus
		if s.UnmarshalBinary(r.Data) == nil {
			kind := EventInputs
			if r.Code == ReplyOSTATR {
				kind = EventOutputs
			}
			return Event{Kind: kind, States: s.States}, true
		}
	case ReplyRSTATR:
		var s RSTATR
		if s.UnmarshalBinary(r.Data) == nil {
			return Event{Kind: EventReaders, Data: s.Status}, true
		}
	case ReplyNAK:
		var n NAK
		if n.UnmarshalBinary(r.Data) == nil {
			return Event{Kind: EventNAK, Reason: n.Reason}, true
		}
	}
	return Event{}, false
}
