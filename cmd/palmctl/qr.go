package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/palmd/palmd/drivers/camera"
	"github.com/palmd/palmd/firmware/qr"
)

const qrUsage = `usage:
  palmctl qr decode [--no-wechat] FILE...
      one JSON line per file: {"file":...,"ok":true|false,"payload":...,"ms":...}
  palmctl qr bench [--scenes N] [--frames K] [--budget MS] [--attempts] [--json]
      decode rate and time per category on generated camera frames of a
      phone screen, against bare gozxing and OpenCV's WeChat decoder`

func runQR(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, qrUsage)
		return 2
	}
	switch args[0] {
	case "decode":
		return runQRDecode(args[1:], stdout, stderr)
	case "bench":
		return runQRBench(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, qrUsage)
	return 2
}

// qrLine is the output of palmctl qr decode for one file.
type qrLine struct {
	File    string  `json:"file"`
	OK      bool    `json:"ok"`
	Payload string  `json:"payload"`
	MS      float64 `json:"ms"`
	Error   string  `json:"error,omitempty"`
}

// runQRDecode decodes each file; it exits 1 if any file had no code.
func runQRDecode(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("qr decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, qrUsage) }
	noWeChat := fs.Bool("no-wechat", false, "leave OpenCV's WeChat decoder out")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	dec, err := qr.NewDecoder(qr.Config{NoWeChat: *noWeChat})
	if err != nil {
		fmt.Fprintln(stderr, "palmctl qr:", err)
		return 1
	}
	defer dec.Close()
	enc := json.NewEncoder(stdout)
	code := 0
	for _, name := range fs.Args() {
		line := decodeFile(dec, name)
		if !line.OK {
			code = 1
		}
		if err := enc.Encode(line); err != nil {
			fmt.Fprintln(stderr, "palmctl qr:", err)
			return 1
		}
	}
	return code
}

// decodeFile times the decode alone, not the reading of the file.
func decodeFile(dec *qr.Decoder, name string) qrLine {
	line := qrLine{File: name}
	img, err := camera.ReadGray(name)
	if err != nil {
		line.Error = err.Error()
		return line
	}
	start := time.Now()
	res, err := dec.Decode(img)
	line.MS = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		line.Error = err.Error()
		if errors.Is(err, qr.ErrNotFound) {
			line.Error = "no QR code found"
		}
		return line
	}
	line.OK, line.Payload = true, res.Payload
	return line
}
