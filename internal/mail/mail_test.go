package mail

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// fakeSMTP accepts one message and hands back its DATA part.
func fakeSMTP(t *testing.T) (addr string, got chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		reply := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
		reply("220 fake ESMTP")
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
					got <- data.String()
					reply("250 queued")
					continue
				}
				data.WriteString(line)
				continue
			}
			switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
			case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
				reply("250 fake")
			case cmd == "DATA":
				inData = true
				reply("354 go ahead")
			case cmd == "QUIT":
				reply("221 bye")
				return
			default:
				reply("250 ok")
			}
		}
	}()
	return ln.Addr().String(), got
}

func TestSMTPSendsThePlainTextMessage(t *testing.T) {
	addr, got := fakeSMTP(t)
	s := SMTP{Addr: addr, From: "weerbaar@example.nl"}
	if err := s.Send(context.Background(), "nieuw@example.nl", "Uw account / Your account", "Regel één\nhttps://x/set-password/abc"); err != nil {
		t.Fatal(err)
	}
	msg := <-got
	for _, want := range []string{"To: nieuw@example.nl\r\n", "From: weerbaar@example.nl\r\n", "charset=utf-8", "Regel één\r\nhttps://x/set-password/abc"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestSMTPRefusesHeaderInjection(t *testing.T) {
	s := SMTP{Addr: "127.0.0.1:1", From: "a@example.nl"}
	if err := s.Send(context.Background(), "x@example.nl\r\nBcc: evil@example.nl", "s", "b"); err == nil {
		t.Fatal("header injection accepted")
	}
}

func TestSMTPReportsAnUnreachableServer(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if err := (SMTP{Addr: addr, From: "a@example.nl"}).Send(context.Background(), "x@example.nl", "s", "b"); err == nil {
		t.Fatal("no error for an unreachable server")
	}
}
