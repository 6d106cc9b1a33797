package entity

import "github.com/weerbaar/weerbaar/internal/i18n"

// MemberState is an EU member state in which services are provided.
type MemberState struct {
	Code string
	Name i18n.Text
}

// memberStates are the 27 EU member states (ISO 3166-1 alpha-2; Greece is "GR").
var memberStates = []MemberState{
	{"AT", i18n.Text{NL: "Oostenrijk", EN: "Austria"}}, {"BE", i18n.Text{NL: "België", EN: "Belgium"}}, {"BG", i18n.Text{NL: "Bulgarije", EN: "Bulgaria"}},
	{"CY", i18n.Text{NL: "Cyprus", EN: "Cyprus"}}, {"CZ", i18n.Text{NL: "Tsjechië", EN: "Czechia"}}, {"DE", i18n.Text{NL: "Duitsland", EN: "Germany"}},
	{"DK", i18n.Text{NL: "Denemarken", EN: "Denmark"}}, {"EE", i18n.Text{NL: "Estland", EN: "Estonia"}}, {"ES", i18n.Text{NL: "Spanje", EN: "Spain"}},
	{"FI", i18n.Text{NL: "Finland", EN: "Finland"}}, {"FR", i18n.Text{NL: "Frankrijk", EN: "France"}}, {"GR", i18n.Text{NL: "Griekenland", EN: "Greece"}},
	{"HR", i18n.Text{NL: "Kroatië", EN: "Croatia"}}, {"HU", i18n.Text{NL: "Hongarije", EN: "Hungary"}}, {"IE", i18n.Text{NL: "Ierland", EN: "Ireland"}},
	{"IT", i18n.Text{NL: "Italië", EN: "Italy"}}, {"LT", i18n.Text{NL: "Litouwen", EN: "Lithuania"}}, {"LU", i18n.Text{NL: "Luxemburg", EN: "Luxembourg"}},
	{"LV", i18n.Text{NL: "Letland", EN: "Latvia"}}, {"MT", i18n.Text{NL: "Malta", EN: "Malta"}}, {"NL", i18n.Text{NL: "Nederland", EN: "Netherlands"}},
	{"PL", i18n.Text{NL: "Polen", EN: "Poland"}}, {"PT", i18n.Text{NL: "Portugal", EN: "Portugal"}}, {"RO", i18n.Text{NL: "Roemenië", EN: "Romania"}},
	{"SE", i18n.Text{NL: "Zweden", EN: "Sweden"}}, {"SI", i18n.Text{NL: "Slovenië", EN: "Slovenia"}}, {"SK", i18n.Text{NL: "Slowakije", EN: "Slovakia"}},
}

// MemberStates lists the EU member states by code.
func MemberStates() []MemberState { return memberStates }

// LookupMemberState finds a member state by code.
func LookupMemberState(code string) (MemberState, bool) {
	for _, m := range memberStates {
		if m.Code == code {
			return m, true
		}
	}
	return MemberState{}, false
}
