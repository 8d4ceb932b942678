package main

import (
	"reflect"
	"testing"

	"github.com/socklab/socklab/reference/dns/message"
)

func TestAnswerHeader(t *testing.T) {
	a := testAuthority(t)
	www := message.Question{Name: "WWW.example.org.", Type: message.TypeA, Class: message.ClassIN}
	opt := func(version uint8) message.Record {
		return message.EDNS{UDPSize: 4096, Version: version}.Record()
	}
	tests := []struct {
		name  string
		query message.Message
		// what the reply must have
		rcode     uint8
		aa        bool
		questions int
		answers   int
		opt       *message.EDNS // the reply's OPT, nil for none
	}{
		{"a query", message.Message{Header: message.Header{ID: 1}, Questions: []message.Question{www}},
			message.RCodeSuccess, true, 1, 2, nil},
		{"RD, Z and RA in the query", message.Message{Header: message.Header{ID: 2, RD: true, RA: true, Z: 7}, Questions: []message.Question{www}},
			message.RCodeSuccess, true, 1, 2, nil},
		{"OPCODE 2 (STATUS)", message.Message{Header: message.Header{ID: 3, Opcode: message.OpcodeStatus}, Questions: []message.Question{www}},
			message.RCodeNotImp, false, 1, 0, nil},
		{"OPCODE 5 (UPDATE) without questions", message.Message{Header: message.Header{ID: 3, Opcode: message.OpcodeUpdate}},
			message.RCodeNotImp, false, 0, 0, nil},
		{"no question", message.Message{Header: message.Header{ID: 4}},
			message.RCodeFormErr, false, 0, 0, nil},
		{"two questions", message.Message{Header: message.Header{ID: 5}, Questions: []message.Question{www, www}},
			message.RCodeFormErr, false, 0, 0, nil},
		{"class CH", message.Message{Header: message.Header{ID: 6}, Questions: []message.Question{{Name: "version.bind.", Type: message.TypeTXT, Class: message.ClassCH}}},
			message.RCodeRefused, false, 1, 0, nil},
		{"class ANY", message.Message{Header: message.Header{ID: 6}, Questions: []message.Question{{Name: "www.example.org.", Type: message.TypeA, Class: message.ClassANY}}},
			message.RCodeRefused, false, 1, 0, nil},
		{"AXFR", message.Message{Header: message.Header{ID: 7}, Questions: []message.Question{{Name: "example.org.", Type: message.TypeAXFR, Class: message.ClassIN}}},
			message.RCodeNotImp, false, 1, 0, nil},
		{"EDNS", message.Message{Header: message.Header{ID: 8}, Questions: []message.Question{www}, Additional: []message.Record{opt(0)}},
			message.RCodeSuccess, true, 1, 2, &message.EDNS{UDPSize: ourUDPSize}},
		{"EDNS version 1: BADVERS", message.Message{Header: message.Header{ID: 9}, Questions: []message.Question{www}, Additional: []message.Record{opt(1)}},
			0, false, 1, 0, &message.EDNS{UDPSize: ourUDPSize, ExtRCode: 1}},
		{"two OPT records", message.Message{Header: message.Header{ID: 10}, Questions: []message.Question{www}, Additional: []message.Record{opt(0), opt(0)}},
			message.RCodeFormErr, false, 0, 0, &message.EDNS{UDPSize: ourUDPSize}},
		{"OPCODE 1 with EDNS", message.Message{Header: message.Header{ID: 11, Opcode: 1}, Questions: []message.Question{www}, Additional: []message.Record{opt(0)}},
			message.RCodeNotImp, false, 1, 0, &message.EDNS{UDPSize: ourUDPSize}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.answer(&tt.query)
			if r == nil {
				t.Fatal("no reply")
			}
			q := tt.query.Header
			want := message.Header{ID: q.ID, QR: true, Opcode: q.Opcode, AA: tt.aa, RD: q.RD, RCode: tt.rcode}
			if r.Header != want {
				t.Errorf("header %+v\n          want %+v", r.Header, want)
			}
			if len(r.Questions) != tt.questions || len(r.Answers) != tt.answers {
				t.Errorf("%d questions and %d answers, want %d and %d", len(r.Questions), len(r.Answers), tt.questions, tt.answers)
			}
			if tt.questions == 1 && r.Questions[0] != tt.query.Questions[0] {
				t.Errorf("question %+v, want %+v", r.Questions[0], tt.query.Questions[0])
			}
			got, err := r.EDNS()
			switch {
			case err != nil:
				t.Errorf("reply's OPT: %v", err)
			case !reflect.DeepEqual(got, tt.opt):
				t.Errorf("reply's OPT %+v, want %+v", got, tt.opt)
			}
		})
	}
}

func TestResponseNotAnswered(t *testing.T) {
	a := testAuthority(t)
	q := &message.Message{Header: message.Header{ID: 1, QR: true},
		Questions: []message.Question{{Name: "www.example.org.", Type: message.TypeA, Class: message.ClassIN}}}
	if r := a.answer(q); r != nil {
		t.Errorf("a response was answered: %s", r)
	}
}

func TestUDPLimit(t *testing.T) {
	tests := []struct {
		edns *message.EDNS
		want int
	}{
		{nil, 512},
		{&message.EDNS{UDPSize: 0}, 512},
		{&message.EDNS{UDPSize: 511}, 512},
		{&message.EDNS{UDPSize: 1000}, 1000},
		{&message.EDNS{UDPSize: 1232}, 1232},
		{&message.EDNS{UDPSize: 4096}, 1232},
		{&message.EDNS{UDPSize: 65535}, 1232},
	}
	for _, tt := range tests {
		if got := udpLimit(tt.edns); got != tt.want {
			t.Errorf("udpLimit(%+v) = %d, want %d", tt.edns, got, tt.want)
		}
	}
}
