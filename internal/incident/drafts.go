package incident

import (
	"slices"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// Drafts of the reports of Art. 23(4) NIS2: per stage exactly what that
// stage asks, pre-filled from the incident. The drafts are pure: the
// handler renders them as copyable text, JSON and a print view.

// DraftServiceRecipients is the one draft that is not a report to the
// CSIRT or the authority: the notice to the recipients of the service of
// a significant incident likely to affect the service and of the measures
// they can take (Art. 23(1) second paragraph).
const DraftServiceRecipients = "service_recipients"

// DraftKinds are the drafts there are, in order (the {stage} of the URL).
var DraftKinds = []string{string(StageEarlyWarning), string(StageNotification), string(StageIntermediate),
	string(StageProgress), string(StageFinal), DraftServiceRecipients}

// GDPRWithin is the GDPR's deadline for notifying a personal data breach
// to the supervisory authority after becoming aware (Art. 33(1) GDPR).
const GDPRWithin = 72 * time.Hour

// GDPRDue is when the breach notification to the Autoriteit
// Persoonsgegevens is due: 72 hours after becoming aware, an absolute
// instant like the NIS2 clock.
func GDPRDue(aware time.Time) time.Time { return aware.UTC().Add(GDPRWithin) }

// Section is one part of a draft. Key is stable (the JSON's key); Label is
// bilingual; Value is what the app words (yes/no, a category, a reference
// to an earlier report) and Own the incident's own text, as entered. A
// section with neither is left for the officer to fill in (Fill).
type Section struct {
	Key   string
	Label i18n.Text
	Value i18n.Msg
	Own   string
	// Fill: nothing known yet; the officer completes it before submitting.
	Fill bool
}

// Render is the section's text in l.
func (s Section) Render(l i18n.Lang) string {
	var parts []string
	if v := s.Value.Render(l); v != "" {
		parts = append(parts, v)
	}
	if s.Own != "" {
		parts = append(parts, s.Own)
	}
	if len(parts) == 0 && s.Fill {
		return i18n.Translate(l, "incident.draft.fill")
	}
	return strings.Join(parts, "\n")
}

// Draft is one stage's draft.
type Draft struct {
	Kind string
	// Voluntary: the incident is not significant, so a report is a
	// voluntary one (Art. 30 NIS2).
	Voluntary bool
	Sections  []Section
}

// DraftFacts is what a draft is filled from besides the incident.
type DraftFacts struct {
	Reports []Report
	// Entries are the timeline, in order; status updates are the entries
	// people wrote (not the app's own).
	Entries []Entry
}

func yesNo(b bool) i18n.Msg {
	if b {
		return i18n.M("incident.draft.yes")
	}
	return i18n.M("incident.draft.no")
}

func answer(a Answer) i18n.Msg { return i18n.M("incident.answer." + string(a)) }

var labels = map[string]i18n.Text{
	"voluntary":           {NL: "Vrijwillige melding (art. 30 NIS2)", EN: "Voluntary report (Art. 30 NIS2)"},
	"incident":            {NL: "Incident", EN: "Incident"},
	"aware_at":            {NL: "Kennis genomen op", EN: "Became aware at"},
	"detected_at":         {NL: "Ontdekt op", EN: "Detected at"},
	"category":            {NL: "Soort incident", EN: "Type of incident"},
	"suspected_malicious": {NL: "Vermoedelijk onrechtmatig of kwaadwillig veroorzaakt", EN: "Suspected of being caused by unlawful or malicious acts"},
	"cross_border":        {NL: "Mogelijk grensoverschrijdende gevolgen", EN: "Possible cross-border impact"},
	"early_warning":       {NL: "Bijwerking van de vroegtijdige waarschuwing", EN: "Update of the early warning"},
	"severity":            {NL: "Eerste beoordeling: ernst", EN: "Initial assessment: severity"},
	"impact":              {NL: "Eerste beoordeling: gevolgen", EN: "Initial assessment: impact"},
	"ioc":                 {NL: "Indicatoren van aantasting (waar beschikbaar)", EN: "Indicators of compromise (where available)"},
	"status":              {NL: "Stand van de afhandeling", EN: "Status of the handling"},
	"status_updates":      {NL: "Relevante statusupdates", EN: "Relevant status updates"},
	"requested_by":        {NL: "Op verzoek van", EN: "Requested by"},
	"description":         {NL: "Gedetailleerde beschrijving", EN: "Detailed description"},
	"final_severity":      {NL: "Ernst en gevolgen", EN: "Severity and impact"},
	"threat":              {NL: "Soort dreiging of grondoorzaak", EN: "Type of threat or root cause"},
	"mitigation":          {NL: "Genomen en lopende risicobeperkende maatregelen", EN: "Applied and ongoing mitigation measures"},
	"final_cross_border":  {NL: "Grensoverschrijdende gevolgen", EN: "Cross-border impact"},
	"progress_note":       {NL: "Voortgang (het incident loopt nog)", EN: "Progress (the incident is still ongoing)"},
	"subject":             {NL: "Onderwerp", EN: "Subject"},
	"message":             {NL: "Bericht aan de afnemers van de dienst", EN: "Message to the recipients of the service"},
	"measures":            {NL: "Maatregelen die u zelf kunt nemen", EN: "Measures you can take yourself"},
}

func section(key string, value i18n.Msg, own string) Section {
	return Section{Key: key, Label: labels[key], Value: value, Own: own}
}

func fill(key string, own string) Section {
	return Section{Key: key, Label: labels[key], Own: own, Fill: true}
}

// updates words the entries people wrote (corrected ones left out) as
// lines "date time — text".
func updates(entries []Entry) string {
	var lines []string
	for _, e := range entries {
		if e.Event != "" || len(e.CorrectedBy) > 0 || e.Text == "" {
			continue
		}
		lines = append(lines, stamp(e.OccurredAt)+" — "+e.Text)
	}
	return strings.Join(lines, "\n")
}

// abroad reports whether the incident may reach beyond the Netherlands:
// marked cross-border, or another member state affected; the member
// states are named then.
func abroad(inc Incident) (bool, string) {
	on := inc.CrossBorder || slices.ContainsFunc(inc.MemberStates, func(ms string) bool { return ms != "NL" })
	if !on {
		return false, ""
	}
	return true, strings.Join(inc.MemberStates, ", ")
}

func crossBorder(key string, inc Incident) Section {
	on, states := abroad(inc)
	return section(key, yesNo(on), states)
}

// BuildDraft is the draft of kind for the incident; false for an unknown
// kind. The content per stage is Art. 23(4) NIS2: (a) the early warning
// says whether the incident is suspected of being caused by unlawful or
// malicious acts and could have a cross-border impact; (b) the
// notification updates it with an initial assessment of severity and
// impact and indicators of compromise where available; (c) an
// intermediate report gives relevant status updates on request; (d) the
// final report a detailed description with severity and impact, the type
// of threat or root cause, the applied and ongoing mitigation and any
// cross-border impact; (e) a progress report the same while the incident
// is still ongoing.
func BuildDraft(kind string, inc Incident, f DraftFacts) (Draft, bool) {
	if !slices.Contains(DraftKinds, kind) {
		return Draft{}, false
	}
	d := Draft{Kind: kind, Voluntary: inc.Effective() != Significant}
	if d.Voluntary && kind != DraftServiceRecipients {
		d.Sections = append(d.Sections, section("voluntary", i18n.M("incident.draft.voluntary_text"), ""))
	}
	head := []Section{
		section("incident", i18n.Msg{}, inc.Title),
		section("aware_at", i18n.Msg{}, stamp(inc.AwareAt)),
	}
	category := section("category", i18n.M("incident.category."+inc.Category), "")
	severity := func(key string) Section {
		s := section(key, i18n.M("incident.draft.severity", i18n.M("incident.outcome."+string(inc.Effective())),
			answer(inc.OperationalDisruption)), "")
		return s
	}
	impact := func() Section {
		v := i18n.M("incident.draft.impact", answer(inc.OperationalDisruption), answer(inc.HealthDamage), answer(inc.TradeSecrets))
		if inc.LossEUR != nil {
			eur := float64(*inc.LossEUR)
			v = i18n.M("incident.draft.impact_loss", v, i18n.Text{NL: i18n.FormatDecimal(i18n.NL, eur, 0, false),
				EN: i18n.FormatDecimal(i18n.EN, eur, 0, false)})
		}
		return section("impact", v, "")
	}
	switch kind {
	case string(StageEarlyWarning):
		d.Sections = append(d.Sections, head...)
		d.Sections = append(d.Sections, category,
			section("suspected_malicious", yesNo(inc.SuspectedMalicious), ""),
			crossBorder("cross_border", inc))
	case string(StageNotification):
		d.Sections = append(d.Sections, head...)
		ew := i18n.M("incident.draft.early_warning_none")
		for _, r := range f.Reports {
			if r.Stage == StageEarlyWarning && r.SubmittedAt != nil {
				ew = i18n.M("incident.draft.early_warning_sent", stamp(*r.SubmittedAt), r.ProofRef)
			}
		}
		d.Sections = append(d.Sections, category, section("early_warning", ew, ""),
			section("suspected_malicious", yesNo(inc.SuspectedMalicious), ""), crossBorder("cross_border", inc),
			severity("severity"), impact(), fill("ioc", ""))
	case string(StageIntermediate):
		d.Sections = append(d.Sections, head...)
		var by []string
		for _, r := range f.Reports {
			if r.Stage == StageIntermediate && r.SubmittedAt == nil && r.RequestedBy != "" {
				by = append(by, r.RequestedBy)
			}
		}
		if len(by) > 0 {
			d.Sections = append(d.Sections, section("requested_by", i18n.Msg{}, strings.Join(by, ", ")))
		}
		d.Sections = append(d.Sections, section("status", i18n.M("incident.status."+string(inc.Status)), ""),
			fill("status_updates", updates(f.Entries)))
	case string(StageProgress), string(StageFinal):
		d.Sections = append(d.Sections, head...)
		if kind == string(StageProgress) {
			d.Sections = append(d.Sections, section("progress_note", i18n.M("incident.status."+string(inc.Status)), ""))
		}
		threat := section("threat", i18n.M("incident.category."+inc.Category), inc.RootCause)
		d.Sections = append(d.Sections, fill("description", inc.Description), severity("final_severity"), impact(), threat,
			fill("mitigation", updates(f.Entries)),
			crossBorder("final_cross_border", inc))
	case DraftServiceRecipients:
		d.Sections = append(d.Sections,
			section("subject", i18n.M("incident.draft.recipients_subject"), ""),
			section("message", i18n.M("incident.draft.recipients_message", stamp(inc.AwareAt), i18n.M("incident.category."+inc.Category),
				i18n.M("incident.status."+string(inc.Status))), ""),
			fill("measures", ""))
	}
	return d, true
}

// DraftJSON is the draft as the JSON download: a stable key set, documented
// in docs (kind, voluntary, incident_id, language, sections with key, label
// and text).
type DraftJSON struct {
	Kind       string        `json:"kind"`
	Voluntary  bool          `json:"voluntary"`
	IncidentID int64         `json:"incident_id"`
	Language   string        `json:"language"`
	Sections   []SectionJSON `json:"sections"`
}

// SectionJSON is one section of DraftJSON.
type SectionJSON struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Text  string `json:"text"`
}

// JSON is the draft in l for the download.
func (d Draft) JSON(incidentID int64, l i18n.Lang) DraftJSON {
	out := DraftJSON{Kind: d.Kind, Voluntary: d.Voluntary, IncidentID: incidentID, Language: string(l), Sections: []SectionJSON{}}
	for _, s := range d.Sections {
		out.Sections = append(out.Sections, SectionJSON{Key: s.Key, Label: s.Label.Lang(l), Text: s.Render(l)})
	}
	return out
}

// Text is the whole draft as plain text in l, for copying.
func (d Draft) Text(l i18n.Lang) string {
	var b strings.Builder
	for i, s := range d.Sections {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(s.Label.Lang(l))
		b.WriteString(":\n")
		b.WriteString(s.Render(l))
	}
	return b.String()
}
