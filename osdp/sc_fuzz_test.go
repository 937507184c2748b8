package osdp

import (
	"bytes"
	"testing"
)

// FuzzSessionOpen feeds arbitrary frames to an established PD session:
// Open must never panic and must never accept a frame the CP did not seal.
func FuzzSessionOpen(f *testing.F) {
	f.Add([]byte{SOM, 1, 14, 0, CtrlCRC | CtrlSCB, 2, SCS15, CmdPOLL, 1, 2, 3, 4, 0, 0})
	f.Add(bytes.Repeat([]byte{SOM}, 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		cp, _ := NewSession(RoleCP, nil)
		pd, _ := NewSession(RolePD, nil)
		handshake(t, cp, pd)
		p, err := ParsePacket(b)
		if err != nil {
			return
		}
		if err := pd.Open(p); err == nil {
			t.Fatalf("forged frame accepted: % X", b)
		}
	})
}
