package osdp

// Command codes sent by the CP (OSDP 2.2, section 6 and Annex A).
const (
	CmdPOLL         byte = 0x60
	CmdID           byte = 0x61
	CmdCAP          byte = 0x62
	CmdLSTAT        byte = 0x64
	CmdISTAT        byte = 0x65
	CmdOSTAT        byte = 0x66
	CmdRSTAT        byte = 0x67
	CmdOUT          byte = 0x68
	CmdLED          byte = 0x69
	CmdBUZ          byte = 0x6A
	CmdTEXT         byte = 0x6B
	CmdTDSET        byte = 0x6D // deprecated in 2.2, kept for 1.x panels
	CmdCOMSET       byte = 0x6E
	CmdBIOREAD      byte = 0x73
	CmdBIOMATCH     byte = 0x74
	CmdKEYSET       byte = 0x75
	CmdCHLNG        byte = 0x76
	CmdSCRYPT       byte = 0x77
	CmdACURXSIZE    byte = 0x7B
	CmdFILETRANSFER byte = 0x7C
	CmdMFG          byte = 0x80
	CmdXWR          byte = 0xA1
	CmdABORT        byte = 0xA2
	CmdPIVDATA      byte = 0xA3
	CmdGENAUTH      byte = 0xA4
	CmdCRAUTH       byte = 0xA5
	CmdKEEPACTIVE   byte = 0xA7
)

// Reply codes sent by the PD.
const (
	ReplyACK       byte = 0x40
	ReplyNAK       byte = 0x41
	ReplyPDID      byte = 0x45
	ReplyPDCAP     byte = 0x46
	ReplyLSTATR    byte = 0x48
	ReplyISTATR    byte = 0x49
	ReplyOSTATR    byte = 0x4A
	ReplyRSTATR    byte = 0x4B
	ReplyRAW       byte = 0x50
	ReplyFMT       byte = 0x51
	ReplyKEYPAD    byte = 0x53
	ReplyCOM       byte = 0x54
	ReplyBIOREADR  byte = 0x57
	ReplyBIOMATCHR byte = 0x58
	ReplyCCRYPT    byte = 0x76
	ReplyRMACI     byte = 0x78
	ReplyBUSY      byte = 0x79
	ReplyFTSTAT    byte = 0x7A
	ReplyPIVDATAR  byte = 0x80
	ReplyGENAUTHR  byte = 0x81
	ReplyCRAUTHR   byte = 0x82
	ReplyMFGSTATR  byte = 0x83
	ReplyMFGERRR   byte = 0x84
	ReplyMFGREP    byte = 0x90
	ReplyXRD       byte = 0xB1
)

// NAK reason codes (first byte of an osdp_NAK payload).
const (
	NakNone            byte = 0x00
	NakCheck           byte = 0x01 // message check character(s) error (bad CRC/checksum)
	NakCmdLength       byte = 0x02 // command length error
	NakUnknownCmd      byte = 0x03 // unknown command code
	NakSeqNum          byte = 0x04 // unexpected sequence number
	NakSCUnsupported   byte = 0x05 // security block not supported
	NakSCRequired      byte = 0x06 // encrypted communication required
	NakBioType         byte = 0x07 // BIO type not supported
	NakBioFormat       byte = 0x08 // BIO format not supported
	NakUnableToProcess byte = 0x09 // unable to process command record
)

var cmdNames = map[byte]string{
	CmdPOLL: "POLL", CmdID: "ID", CmdCAP: "CAP", CmdLSTAT: "LSTAT", CmdISTAT: "ISTAT",
	CmdOSTAT: "OSTAT", CmdRSTAT: "RSTAT", CmdOUT: "OUT", CmdLED: "LED", CmdBUZ: "BUZ",
	CmdTEXT: "TEXT", CmdTDSET: "TDSET", CmdCOMSET: "COMSET", CmdBIOREAD: "BIOREAD",
	CmdBIOMATCH: "BIOMATCH", CmdKEYSET: "KEYSET", CmdCHLNG: "CHLNG", CmdSCRYPT: "SCRYPT",
	CmdACURXSIZE: "ACURXSIZE", CmdFILETRANSFER: "FILETRANSFER", CmdMFG: "MFG", CmdXWR: "XWR",
	CmdABORT: "ABORT", CmdPIVDATA: "PIVDATA", CmdGENAUTH: "GENAUTH", CmdCRAUTH: "CRAUTH",
	CmdKEEPACTIVE: "KEEPACTIVE",
}

var replyNames = map[byte]string{
	ReplyACK: "ACK", ReplyNAK: "NAK", ReplyPDID: "PDID", ReplyPDCAP: "PDCAP",
	ReplyLSTATR: "LSTATR", ReplyISTATR: "ISTATR", ReplyOSTATR: "OSTATR", ReplyRSTATR: "RSTATR",
	ReplyRAW: "RAW", ReplyFMT: "FMT", ReplyKEYPAD: "KEYPAD", ReplyCOM: "COM",
	ReplyBIOREADR: "BIOREADR", ReplyBIOMATCHR: "BIOMATCHR", ReplyCCRYPT: "CCRYPT",
	ReplyRMACI: "RMAC_I", ReplyBUSY: "BUSY", ReplyFTSTAT: "FTSTAT", ReplyPIVDATAR: "PIVDATAR",
	ReplyGENAUTHR: "GENAUTHR", ReplyCRAUTHR: "CRAUTHR", ReplyMFGSTATR: "MFGSTATR",
	ReplyMFGERRR: "MFGERRR", ReplyMFGREP: "MFGREP", ReplyXRD: "XRD",
}

// CommandName returns the osdp_ name of a command code, or "" if unknown.
func CommandName(code byte) string { return cmdNames[code] }

// ReplyName returns the osdp_ name of a reply code, or "" if unknown.
func ReplyName(code byte) string { return replyNames[code] }
