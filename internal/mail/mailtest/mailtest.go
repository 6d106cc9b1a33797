// Package mailtest is a minimal SMTP server for tests: it accepts every
// connection on 127.0.0.1, speaks just enough SMTP for net/smtp.SendMail
// (no STARTTLS, no AUTH) and keeps what it received, so tests check real
// e-mails instead of a mocked sender.
package mailtest

import (
	"bufio"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
)

// Message is one accepted e-mail.
type Message struct {
	From string
	To   []string
	// Data is the DATA part as sent (headers and body, CRLF line ends,
	// dot-stuffing removed).
	Data string
}

// Header returns a header of the message, RFC 2047 words decoded.
func (m Message) Header(name string) string {
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		return ""
	}
	v := msg.Header.Get(name)
	if dec, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
		return dec
	}
	return v
}

// Subject is the decoded Subject header.
func (m Message) Subject() string { return m.Header("Subject") }

// Body is the message body with LF line ends, without the line end the
// client adds after the last line.
func (m Message) Body() string {
	_, body, _ := strings.Cut(m.Data, "\r\n\r\n")
	return strings.TrimSuffix(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
}

// Server is a running fake SMTP server; it stops when the test ends.
type Server struct {
	// Addr is host:port to send to.
	Addr string

	mu       sync.Mutex
	messages []Message
	reject   int           // messages still to refuse at the end of DATA
	delay    time.Duration // pause before accepting a message
	arrived  chan struct{}
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), arrived: make(chan struct{}, 1024)}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serve(c)
			}()
		}
	}()
	return s
}

// Reject makes the server refuse the next n messages with a permanent
// error (554) at the end of DATA, as a server does that will not take them.
func (s *Server) Reject(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject = n
}

// Delay makes the server wait d before accepting each message, so
// concurrent senders overlap.
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait waits until at least n messages were accepted, or fails the test
// after timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("mailtest: %d messages after %s, want %d", len(s.Messages()), timeout, n)
		}
	}
}

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	reply := func(line string) { _, _ = c.Write([]byte(line + "\r\n")) }
	reply("220 mailtest ESMTP")
	var cur Message
	var data strings.Builder
	inData := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if inData {
			if line == ".\r\n" {
				inData = false
				cur.Data = data.String()
				reply(s.accept(cur))
				cur, data = Message{}, strings.Builder{}
				continue
			}
			data.WriteString(strings.TrimPrefix(line, ".")) // undo dot-stuffing
			continue
		}
		cmd := strings.TrimSpace(line)
		upper := strings.ToUpper(cmd)
		switch {
		case strings.HasPrefix(upper, "EHLO"), strings.HasPrefix(upper, "HELO"):
			reply("250 mailtest")
		case strings.HasPrefix(upper, "MAIL FROM:"):
			cur.From = address(cmd[len("MAIL FROM:"):])
			reply("250 ok")
		case strings.HasPrefix(upper, "RCPT TO:"):
			cur.To = append(cur.To, address(cmd[len("RCPT TO:"):]))
			reply("250 ok")
		case upper == "DATA":
			inData = true
			reply("354 go ahead")
		case upper == "QUIT":
			reply("221 bye")
			return
		default:
			reply("250 ok")
		}
	}
}

// accept keeps the message (or refuses it) and returns the reply.
func (s *Server) accept(m Message) string {
	s.mu.Lock()
	delay := s.delay
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reject > 0 {
		s.reject--
		return "554 rejected by mailtest"
	}
	s.messages = append(s.messages, m)
	select {
	case s.arrived <- struct{}{}:
	default:
	}
	return "250 queued"
}

func address(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ' '); i >= 0 { // parameters such as BODY=8BITMIME
		s = s[:i]
	}
	return strings.Trim(s, "<>")
}
