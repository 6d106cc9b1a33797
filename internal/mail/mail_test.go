package mail

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/mail/mailtest"
)

func TestSMTPSendsThePlainTextMessage(t *testing.T) {
	srv := mailtest.Start(t)
	s := SMTP{Addr: srv.Addr, From: "weerbaar@example.nl"}
	if err := s.Send(context.Background(), "nieuw@example.nl", "Uw account / Your account", "Regel één\n.punt\nhttps://x/set-password/abc"); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 || got[0].From != "weerbaar@example.nl" || len(got[0].To) != 1 || got[0].To[0] != "nieuw@example.nl" {
		t.Fatalf("envelope: %+v", got)
	}
	if got[0].Subject() != "Uw account / Your account" || got[0].Body() != "Regel één\n.punt\nhttps://x/set-password/abc" {
		t.Errorf("subject %q body %q", got[0].Subject(), got[0].Body())
	}
	msg := got[0].Data
	for _, want := range []string{"To: nieuw@example.nl\r\n", "From: weerbaar@example.nl\r\n", "charset=utf-8", "Regel één\r\n.punt\r\nhttps://x/set-password/abc"} {
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
