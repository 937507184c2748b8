//go:build nowechat

package qr

import "errors"

// WeChatLinked reports whether this build has OpenCV's WeChat QR decoder.
const WeChatLinked = false

var errNoWeChat = errors.New("qr: wechat: not in this build (tag nowechat)")

type weChat struct{}

func newWeChat() (*weChat, error) { return nil, errNoWeChat }

func (w *weChat) decode(plane) (string, error) { return "", errNoWeChat }

func (w *weChat) close() {}
