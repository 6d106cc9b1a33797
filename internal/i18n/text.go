package i18n

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Text is translatable content (catalogue texts, sector names, guidance):
// one value in both languages, localised where it is rendered with In. UI
// strings use catalogue keys instead; Text is for content that comes as data.
type Text struct {
	NL string `json:"nl"`
	EN string `json:"en"`
}

// In returns the text in the request's language.
func (t Text) In(ctx context.Context) string { return t.Lang(LangFrom(ctx)) }

// Lang returns the text in l, falling back to Dutch when the English text is
// missing so a gap shows Dutch rather than nothing.
func (t Text) Lang(l Lang) string {
	if l == EN && t.EN != "" {
		return t.EN
	}
	return t.NL
}

// IsZero reports whether both languages are empty.
func (t Text) IsZero() bool { return t.NL == "" && t.EN == "" }

// Complete reports whether both languages are present.
func (t Text) Complete() bool { return t.NL != "" && t.EN != "" }

// Msg is a catalogue message with parameters: what a pure engine returns
// instead of sentences (a rule code and its arguments), rendered into the
// user's language from locales/{nl,en}.json. Arguments are strings, ints,
// Texts or nested Msgs (each localised before formatting); an empty Msg
// renders as "".
type Msg struct {
	Key  string
	Args []any
}

// M builds a Msg.
func M(key string, args ...any) Msg { return Msg{Key: key, Args: args} }

// In renders the message in the request's language.
func (m Msg) In(ctx context.Context) string { return m.Render(LangFrom(ctx)) }

// Render renders the message in l.
func (m Msg) Render(l Lang) string {
	if m.Key == "" {
		return ""
	}
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		switch v := a.(type) {
		case Text:
			args[i] = v.Lang(l)
		case Msg:
			args[i] = v.Render(l)
		default:
			args[i] = v
		}
	}
	if m.Key == joinKey {
		parts := make([]string, 0, len(args)-1)
		for _, a := range args[1:] {
			parts = append(parts, fmt.Sprint(a))
		}
		return strings.Join(parts, fmt.Sprint(args[0]))
	}
	return Translate(l, m.Key, args...)
}

// wireArg is one argument of a Msg in JSON: exactly one field is set, so the
// type survives a round trip through a stored result.
type wireArg struct {
	S *string `json:"s,omitempty"`
	I *int64  `json:"i,omitempty"`
	T *Text   `json:"t,omitempty"`
	M *Msg    `json:"m,omitempty"`
}

type wireMsg struct {
	Key  string    `json:"key"`
	Args []wireArg `json:"args,omitempty"`
}

// MarshalJSON keeps each argument's type, so a stored Msg renders the same
// after it is read back.
func (m Msg) MarshalJSON() ([]byte, error) {
	w := wireMsg{Key: m.Key}
	for _, a := range m.Args {
		switch v := a.(type) {
		case string:
			w.Args = append(w.Args, wireArg{S: &v})
		case int:
			n := int64(v)
			w.Args = append(w.Args, wireArg{I: &n})
		case int64:
			w.Args = append(w.Args, wireArg{I: &v})
		case Text:
			w.Args = append(w.Args, wireArg{T: &v})
		case Msg:
			w.Args = append(w.Args, wireArg{M: &v})
		default:
			return nil, fmt.Errorf("i18n: message %s: argument of type %T cannot be stored", m.Key, a)
		}
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (m *Msg) UnmarshalJSON(b []byte) error {
	var w wireMsg
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	m.Key, m.Args = w.Key, nil
	for _, a := range w.Args {
		switch {
		case a.S != nil:
			m.Args = append(m.Args, *a.S)
		case a.I != nil:
			m.Args = append(m.Args, int(*a.I))
		case a.T != nil:
			m.Args = append(m.Args, *a.T)
		case a.M != nil:
			m.Args = append(m.Args, *a.M)
		default:
			return fmt.Errorf("i18n: message %s: empty argument", w.Key)
		}
	}
	return nil
}

// joinKey is the reserved key of a Join message; it is not in the
// catalogues because Render handles it.
const joinKey = "_join"

// Join is a list of messages joined by a separator (a string, Text or Msg,
// e.g. Text{NL: " en ", EN: " and "}), for explanations that enumerate.
func Join(sep any, parts ...Msg) Msg {
	if len(parts) == 0 {
		return Msg{}
	}
	args := make([]any, 0, len(parts)+1)
	args = append(args, sep)
	for _, p := range parts {
		args = append(args, p)
	}
	return Msg{Key: joinKey, Args: args}
}
