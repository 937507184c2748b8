//go:build !nowechat

package qr

/*
#cgo pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
#include <stdlib.h>
#include "wechat.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

// WeChatLinked reports whether this build has OpenCV's WeChat QR decoder
// (build tag nowechat removes it, for OpenCV builds without the contrib
// wechat_qrcode module).
const WeChatLinked = true

// weChat is OpenCV's contrib WeChat QR decoder without its CNN models.
// OpenCV's detector object is not safe for concurrent use: calls are
// serialised.
type weChat struct {
	mu sync.Mutex
	p  C.QRWeChat
}

func newWeChat() (*weChat, error) {
	var cerr *C.char
	p := C.qr_wechat_new(&cerr)
	if p == nil {
		return nil, fmt.Errorf("qr: wechat: %s", takeCString(cerr))
	}
	return &weChat{p: p}, nil
}

// decode returns the first payload the decoder finds in p.
func (w *weChat) decode(p plane) (string, error) {
	if p.w <= 0 || p.h <= 0 || len(p.pix) < p.w*p.h {
		return "", ErrNotFound
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.p == nil {
		return "", errors.New("qr: wechat: closed")
	}
	var out, cerr *C.char
	var n C.int
	rc := C.qr_wechat_decode(w.p, (*C.uchar)(unsafe.Pointer(&p.pix[0])),
		C.int(p.w), C.int(p.h), C.int(p.w), &out, &n, &cerr)
	switch rc {
	case 1:
		s := C.GoStringN(out, n)
		C.free(unsafe.Pointer(out))
		return s, nil
	case 0:
		return "", ErrNotFound
	}
	return "", fmt.Errorf("qr: wechat: %s", takeCString(cerr))
}

func (w *weChat) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.p != nil {
		C.qr_wechat_free(w.p)
		w.p = nil
	}
}

func takeCString(s *C.char) string {
	if s == nil {
		return "unknown error"
	}
	defer C.free(unsafe.Pointer(s))
	return C.GoString(s)
}
