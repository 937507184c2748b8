// Package osdp implements the core of the Open Supervised Device Protocol
// (SIA OSDP 2.2, IEC 60839-11-5): the frame codec (CRC-16 and the OSDP 1.x
// 8-bit checksum), the command and reply payloads, and Secure Channel
// cryptography (session keys, cryptograms, chained MACs, data encryption).
//
// The PD and CP state machines build on this package; nothing here knows
// about serial ports or timing.
package osdp
