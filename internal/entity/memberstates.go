package entity

// MemberState is an EU member state in which services are provided.
type MemberState struct {
	Code, NameNL, NameEN string
}

// memberStates are the 27 EU member states (ISO 3166-1 alpha-2; Greece is "GR").
var memberStates = []MemberState{
	{"AT", "Oostenrijk", "Austria"}, {"BE", "België", "Belgium"}, {"BG", "Bulgarije", "Bulgaria"},
	{"CY", "Cyprus", "Cyprus"}, {"CZ", "Tsjechië", "Czechia"}, {"DE", "Duitsland", "Germany"},
	{"DK", "Denemarken", "Denmark"}, {"EE", "Estland", "Estonia"}, {"ES", "Spanje", "Spain"},
	{"FI", "Finland", "Finland"}, {"FR", "Frankrijk", "France"}, {"GR", "Griekenland", "Greece"},
	{"HR", "Kroatië", "Croatia"}, {"HU", "Hongarije", "Hungary"}, {"IE", "Ierland", "Ireland"},
	{"IT", "Italië", "Italy"}, {"LT", "Litouwen", "Lithuania"}, {"LU", "Luxemburg", "Luxembourg"},
	{"LV", "Letland", "Latvia"}, {"MT", "Malta", "Malta"}, {"NL", "Nederland", "Netherlands"},
	{"PL", "Polen", "Poland"}, {"PT", "Portugal", "Portugal"}, {"RO", "Roemenië", "Romania"},
	{"SE", "Zweden", "Sweden"}, {"SI", "Slovenië", "Slovenia"}, {"SK", "Slowakije", "Slovakia"},
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
