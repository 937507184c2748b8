package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
)

// notifySocket is the supervisor's end of systemd's notify protocol: a
// unixgram socket in a private directory, read by one goroutine it owns.
type notifySocket struct {
	path string
	dir  string
	conn *net.UnixConn
	msgs chan notifyMsg
	wg   sync.WaitGroup
}

// notifyMsg is one datagram and the process that sent it (0: unknown).
type notifyMsg struct {
	pid  int
	text string
}

func listenNotify() (*notifySocket, error) {
	dir, err := os.MkdirTemp("", "palmctl-boot")
	if err != nil {
		return nil, fmt.Errorf("notify socket: %w", err)
	}
	path := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("notify socket: %w", err)
	}
	if err := passCredentials(conn); err != nil {
		conn.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("notify socket: %w", err)
	}
	s := &notifySocket{path: path, dir: dir, conn: conn, msgs: make(chan notifyMsg, 64)}
	s.wg.Go(s.read)
	return s, nil
}

// read passes datagrams on until the socket closes; when nobody takes
// them (between starts) the oldest wait and newer ones are dropped.
func (s *notifySocket) read() {
	buf := make([]byte, 4096)
	oob := make([]byte, 256)
	for {
		n, oobn, _, _, err := s.conn.ReadMsgUnix(buf, oob)
		if err != nil {
			return
		}
		m := notifyMsg{pid: senderPID(oob[:oobn]), text: string(buf[:n])}
		select {
		case s.msgs <- m:
		default:
		}
	}
}

// drain forgets what earlier starts said.
func (s *notifySocket) drain() {
	for {
		select {
		case <-s.msgs:
		default:
			return
		}
	}
}

func (s *notifySocket) close() {
	s.conn.Close()
	s.wg.Wait()
	os.RemoveAll(s.dir)
}
