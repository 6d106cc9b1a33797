package entity

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/scope"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Registration is the data the authority must hold about an entity
// (registratieplicht): who it is, how to reach it, what it does and where.
type Registration struct {
	EntityID           int64    `db:"entity_id" json:"-"`
	LegalName          string   `db:"legal_name" json:"legal_name"`
	KvK                string   `db:"kvk" json:"kvk"`
	Street             string   `db:"street" json:"street"`
	Postcode           string   `db:"postcode" json:"postcode"`
	City               string   `db:"city" json:"city"`
	Country            string   `db:"country" json:"country"`
	PostalAddress      string   `db:"postal_address" json:"postal_address"`
	ContactName        string   `db:"contact_name" json:"contact_name"`
	ContactEmail       string   `db:"contact_email" json:"contact_email"`
	ContactPhone       string   `db:"contact_phone" json:"contact_phone"`
	IPRanges           []string `db:"ip_ranges" json:"ip_ranges"`
	Subsectors         []string `db:"subsectors" json:"subsectors"`
	MemberStates       []string `db:"member_states" json:"member_states"`
	Authority          string   `db:"authority" json:"competent_authority"`
	CSIRT              string   `db:"csirt" json:"csirt"`
	InfoSharing        bool     `db:"info_sharing" json:"information_sharing"`
	InfoSharingDetails string   `db:"info_sharing_details" json:"information_sharing_details"`
	// Art. 27(2)(b) NIS2, only for the Art. 27 entity types (empty otherwise).
	MainEstablishment   string     `db:"main_establishment" json:"main_establishment,omitempty"`
	OtherEstablishments []string   `db:"other_establishments" json:"other_establishments_eu,omitempty"`
	EURepresentative    string     `db:"eu_representative" json:"eu_representative,omitempty"`
	SubmittedOn         *time.Time `db:"submitted_on" json:"submitted_on"`
	SubmissionRef       string     `db:"submission_ref" json:"submission_reference"`
	UnreportedSince     *time.Time `db:"unreported_since" json:"unreported_change_since"`
	UpdatedAt           time.Time  `db:"updated_at" json:"updated_at"`
	Version             int        `db:"version" json:"-"`
	// RiskReviewDate is the latest review date of the entity's adopted risk
	// analyses (nil: none adopted), read here so the dashboard's warning
	// costs no query of its own (ARCHITECTURE.md budget). Not exported.
	RiskReviewDate *time.Time `db:"risk_review_date" json:"-"`
}

// ReportDeadline is when a pending change must have been reported, and the
// rule that sets the period (two weeks, or three months for Art. 27 types).
type ReportDeadline struct {
	Due    time.Time
	Period scope.ChangePeriod
}

// ReportDue returns when changes made since the last submission must have
// been reported through the NCSC registration service, and false when
// nothing is pending. The period depends on the entity's subsectors (see
// scope.ChangePeriodFor).
func (r Registration) ReportDue() (ReportDeadline, bool) {
	if r.UnreportedSince == nil {
		return ReportDeadline{}, false
	}
	p := scope.ChangePeriodFor(r.Subsectors)
	return ReportDeadline{Due: p.Due(*r.UnreportedSince), Period: p}, true
}

// NeedsArt27Data reports whether the entity must register its establishments
// (Art. 27(2)(b) NIS2): it is one of the Art. 27 entity types.
func (r Registration) NeedsArt27Data() bool { return scope.NeedsArt27Data(r.Subsectors) }

// GetRegistration returns the entity's registration data; an entity that
// never saved any gets an empty record with version 0.
func GetRegistration(ctx context.Context, q db.Querier, entityID int64) (Registration, error) {
	rows, err := q.Query(ctx, `SELECT e.id AS entity_id, e.legal_name,
			coalesce(r.kvk, '') AS kvk, coalesce(r.street, '') AS street, coalesce(r.postcode, '') AS postcode,
			coalesce(r.city, e.city) AS city, coalesce(r.country, 'NL') AS country, coalesce(r.postal_address, '') AS postal_address,
			coalesce(r.contact_name, '') AS contact_name, coalesce(r.contact_email, '') AS contact_email,
			coalesce(r.contact_phone, '') AS contact_phone, coalesce(r.ip_ranges, '{}') AS ip_ranges,
			coalesce(r.subsectors, '{}') AS subsectors, coalesce(r.member_states, '{NL}') AS member_states,
			coalesce(r.authority, '') AS authority, coalesce(r.csirt, '') AS csirt,
			coalesce(r.info_sharing, false) AS info_sharing, coalesce(r.info_sharing_details, '') AS info_sharing_details,
			coalesce(r.main_establishment, '') AS main_establishment, coalesce(r.other_establishments, '{}') AS other_establishments,
			coalesce(r.eu_representative, '') AS eu_representative,
			r.submitted_on, coalesce(r.submission_ref, '') AS submission_ref, r.unreported_since,
			coalesce(r.updated_at, e.created_at) AS updated_at, coalesce(r.version, 0) AS version,
			(SELECT max(a.review_date) FROM risk_analyses a WHERE a.entity_id = e.id AND a.status = 'adopted') AS risk_review_date
		FROM entities e LEFT JOIN registrations r ON r.entity_id = e.id WHERE e.id = @entity`,
		pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return Registration{}, fmt.Errorf("registration of entity %d: %w", entityID, err)
	}
	reg, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Registration])
	if err != nil {
		return Registration{}, fmt.Errorf("registration of entity %d: %w", entityID, db.MapError(err))
	}
	return reg, nil
}

// RegistrationInput is the registration form as submitted.
type RegistrationInput struct {
	LegalName, KvK, Street, Postcode, City, Country, PostalAddress string
	ContactName, ContactEmail, ContactPhone                        string
	IPRanges                                                       string // one range per line
	Subsectors, MemberStates                                       []string
	Authority, CSIRT                                               string
	InfoSharing                                                    bool
	InfoSharingDetails                                             string
	// Art. 27(2)(b): kept only for Art. 27 entity types.
	MainEstablishment, EURepresentative string
	OtherEstablishments                 string // one per line
	Version                             int
}

var (
	kvkPattern     = regexp.MustCompile(`^[0-9]{8}$`)
	nlPostcode     = regexp.MustCompile(`^([1-9][0-9]{3}) ?([A-Z]{2})$`)
	phonePattern   = regexp.MustCompile(`^\+?[0-9 ()-]{8,20}$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

// Normalise validates the input and returns the registration it describes.
// Field errors carry catalogue keys; overlapping IP ranges are not an error
// but are returned so the page can flag them.
func (in RegistrationInput) Normalise() (Registration, [][2]string, error) {
	errs := validate.Errors{}
	r := Registration{
		LegalName: strings.TrimSpace(in.LegalName), KvK: strings.ReplaceAll(strings.TrimSpace(in.KvK), " ", ""),
		Street: strings.TrimSpace(in.Street), City: strings.TrimSpace(in.City), Country: strings.ToUpper(strings.TrimSpace(in.Country)),
		PostalAddress: strings.TrimSpace(in.PostalAddress), ContactName: strings.TrimSpace(in.ContactName),
		ContactPhone: strings.TrimSpace(in.ContactPhone), Authority: strings.TrimSpace(in.Authority), CSIRT: strings.TrimSpace(in.CSIRT),
		InfoSharing: in.InfoSharing, InfoSharingDetails: strings.TrimSpace(in.InfoSharingDetails), Version: in.Version,
	}
	if r.LegalName == "" || len(r.LegalName) > 200 {
		errs.Add("legal_name", "validate.required")
	}
	if r.KvK != "" && !kvkPattern.MatchString(r.KvK) {
		errs.Add("kvk", "registration.error.kvk")
	}
	if r.Country == "" {
		r.Country = "NL"
	}
	if !countryPattern.MatchString(r.Country) {
		errs.Add("country", "registration.error.country")
	}
	postcode := strings.ToUpper(strings.TrimSpace(in.Postcode))
	if m := nlPostcode.FindStringSubmatch(postcode); r.Country == "NL" && postcode != "" {
		if m == nil {
			errs.Add("postcode", "registration.error.postcode")
		} else {
			postcode = m[1] + " " + m[2]
		}
	}
	r.Postcode = postcode
	if email := strings.TrimSpace(in.ContactEmail); email != "" {
		var ok bool
		if r.ContactEmail, ok = validate.Email(email); !ok {
			errs.Add("contact_email", "validate.email")
			r.ContactEmail = email
		}
	}
	if r.ContactPhone != "" && !phonePattern.MatchString(r.ContactPhone) {
		errs.Add("contact_phone", "registration.error.phone")
	}
	ranges, overlaps, ok := normaliseRanges(in.IPRanges)
	r.IPRanges = ranges
	if !ok {
		errs.Add("ip_ranges", "registration.error.cidr")
	}
	for _, code := range in.Subsectors {
		if _, ok := scope.LookupSubsector(code); !ok {
			errs.Add("subsectors", "validate.choice")
			continue
		}
		if !slices.Contains(r.Subsectors, code) {
			r.Subsectors = append(r.Subsectors, code)
		}
	}
	for _, code := range in.MemberStates {
		if _, ok := LookupMemberState(code); !ok {
			errs.Add("member_states", "validate.choice")
			continue
		}
		if !slices.Contains(r.MemberStates, code) {
			r.MemberStates = append(r.MemberStates, code)
		}
	}
	slices.Sort(r.MemberStates)
	if r.Authority != "" {
		if _, ok := scope.LookupAuthority(r.Authority); !ok {
			errs.Add("authority", "validate.choice")
		}
	}
	if len(r.CSIRT) > 100 {
		errs.Add("csirt", "validate.too_long")
	}
	if r.Subsectors == nil {
		r.Subsectors = []string{}
	}
	r.normaliseArt27(in, errs)
	if r.MemberStates == nil {
		r.MemberStates = []string{}
	}
	return r, overlaps, errs.Err()
}

// Limits of the Art. 27 fields: an address, or a name with an address.
const (
	maxEstablishmentLen = 300
	maxEstablishments   = 50
)

// normaliseArt27 keeps the Art. 27(2)(b) fields for Art. 27 entity types and
// clears them for others (the form does not show them there). The main
// establishment is required, unless the entity is not established in the
// Union and names its representative instead (Art. 26(3)).
func (r *Registration) normaliseArt27(in RegistrationInput, errs validate.Errors) {
	r.OtherEstablishments = []string{}
	if !r.NeedsArt27Data() {
		return
	}
	r.MainEstablishment = strings.TrimSpace(in.MainEstablishment)
	r.EURepresentative = strings.TrimSpace(in.EURepresentative)
	if r.MainEstablishment == "" && r.EURepresentative == "" {
		errs.Add("main_establishment", "registration.error.main_establishment")
	}
	if len(r.MainEstablishment) > maxEstablishmentLen {
		errs.Add("main_establishment", "validate.too_long")
	}
	if len(r.EURepresentative) > maxEstablishmentLen {
		errs.Add("eu_representative", "validate.too_long")
	}
	for _, line := range strings.Split(in.OtherEstablishments, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !slices.Contains(r.OtherEstablishments, line) {
			r.OtherEstablishments = append(r.OtherEstablishments, line)
			if len(line) > maxEstablishmentLen {
				errs.Add("other_establishments", "validate.too_long")
			}
		}
	}
	if len(r.OtherEstablishments) > maxEstablishments {
		errs.Add("other_establishments", "registration.error.too_many_establishments")
	}
}

// normaliseRanges parses one CIDR range (or single address) per line and
// returns them masked and deduplicated, in input order, plus the pairs that
// overlap. ok is false when any line is not a valid range.
func normaliseRanges(text string) (ranges []string, overlaps [][2]string, ok bool) {
	ok = true
	var prefixes []netip.Prefix
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		p, err := netip.ParsePrefix(line)
		if err != nil {
			addr, aerr := netip.ParseAddr(line)
			if aerr != nil {
				ok = false
				ranges = append(ranges, line) // kept so the form shows what was typed
				continue
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		p = p.Masked()
		if slices.Contains(prefixes, p) {
			continue
		}
		for _, q := range prefixes {
			if q.Overlaps(p) {
				overlaps = append(overlaps, [2]string{q.String(), p.String()})
			}
		}
		prefixes = append(prefixes, p)
		ranges = append(ranges, p.String())
	}
	if ranges == nil {
		ranges = []string{}
	}
	return ranges, overlaps, ok
}

// RegistrationConflict is returned when someone else saved the registration
// after the form was opened; Current is their version.
type RegistrationConflict struct {
	Current Registration
}

func (e *RegistrationConflict) Error() string { return "registration changed meanwhile" }

// Unwrap lets callers test for db.ErrConflict.
func (e *RegistrationConflict) Unwrap() error { return db.ErrConflict }

// UpdateRegistration saves the registration data after a version check. When
// a field changes after a submission to the authority, the two-week reporting
// period starts (unless it already runs). The change is audit-logged with the
// before and after of the changed fields.
func UpdateRegistration(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, in RegistrationInput) (Registration, [][2]string, error) {
	next, overlaps, err := in.Normalise()
	if err != nil {
		return next, overlaps, err
	}
	err = db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT id FROM entities WHERE id = $1 FOR UPDATE`, actor.EntityID); err != nil {
			return err
		}
		cur, err := GetRegistration(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return &RegistrationConflict{Current: cur}
		}
		before, after := audit.Diff(cur.fields(), next.fields())
		if len(after) == 0 && len(before) == 0 {
			next = cur
			return nil
		}
		unreported := cur.UnreportedSince
		if cur.SubmittedOn != nil && unreported == nil {
			now := time.Now().UTC()
			unreported = &now
		}
		if _, err := tx.Exec(ctx, `UPDATE entities SET legal_name = $2, updated_at = now(), version = version + 1 WHERE id = $1`,
			actor.EntityID, next.LegalName); err != nil {
			return fmt.Errorf("update legal name: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO registrations (entity_id, kvk, street, postcode, city, country, postal_address,
				contact_name, contact_email, contact_phone, ip_ranges, subsectors, member_states, authority, csirt,
				info_sharing, info_sharing_details, main_establishment, other_establishments, eu_representative, unreported_since)
			VALUES (@entity, @kvk, @street, @postcode, @city, @country, @postal, @cname, @cemail, @cphone, @ips, @subsectors,
				@states, @authority, @csirt, @sharing, @sharing_details, @main, @others, @representative, @unreported)
			ON CONFLICT (entity_id) DO UPDATE SET kvk = excluded.kvk, street = excluded.street, postcode = excluded.postcode,
				city = excluded.city, country = excluded.country, postal_address = excluded.postal_address,
				contact_name = excluded.contact_name, contact_email = excluded.contact_email, contact_phone = excluded.contact_phone,
				ip_ranges = excluded.ip_ranges, subsectors = excluded.subsectors, member_states = excluded.member_states,
				authority = excluded.authority, csirt = excluded.csirt, info_sharing = excluded.info_sharing,
				info_sharing_details = excluded.info_sharing_details, main_establishment = excluded.main_establishment,
				other_establishments = excluded.other_establishments, eu_representative = excluded.eu_representative,
				unreported_since = excluded.unreported_since,
				updated_at = now(), version = registrations.version + 1`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "kvk": next.KvK, "street": next.Street, "postcode": next.Postcode,
				"city": next.City, "country": next.Country, "postal": next.PostalAddress, "cname": next.ContactName,
				"cemail": next.ContactEmail, "cphone": next.ContactPhone, "ips": next.IPRanges, "subsectors": next.Subsectors,
				"states": next.MemberStates, "authority": next.Authority, "csirt": next.CSIRT, "sharing": next.InfoSharing,
				"sharing_details": next.InfoSharingDetails, "main": next.MainEstablishment, "others": next.OtherEstablishments,
				"representative": next.EURepresentative, "unreported": unreported})
		if err != nil {
			return fmt.Errorf("save registration: %w", err)
		}
		if err := audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "registration.updated",
			ObjectType: "registration", ObjectID: fmt.Sprint(actor.EntityID), Before: before, After: after}); err != nil {
			return err
		}
		next, err = GetRegistration(ctx, tx, actor.EntityID)
		return err
	})
	return next, overlaps, err
}

// RecordSubmission records that the registration was submitted to the
// authority on a date with a reference; pending changes count as reported.
func RecordSubmission(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, on time.Time, ref string) error {
	ref = strings.TrimSpace(ref)
	errs := validate.Errors{}
	if on.IsZero() {
		errs.Add("submitted_on", "validate.date")
	} else if on.After(time.Now().Add(24 * time.Hour)) {
		errs.Add("submitted_on", "registration.error.future")
	}
	if ref == "" || len(ref) > 100 {
		errs.Add("submission_ref", "validate.required")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := GetRegistration(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		if cur.Version == 0 {
			return validate.Field("submitted_on", "registration.error.empty")
		}
		if _, err := tx.Exec(ctx, `UPDATE registrations SET submitted_on = $2, submission_ref = $3, unreported_since = NULL,
				updated_at = now(), version = version + 1 WHERE entity_id = $1`, actor.EntityID, on, ref); err != nil {
			return fmt.Errorf("record submission: %w", err)
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "registration.submitted",
			ObjectType: "registration", ObjectID: fmt.Sprint(actor.EntityID),
			After: map[string]any{"submitted_on": on.Format("2006-01-02"), "reference": ref}})
	})
}

// fields are the registration data as compared for "changed since the last
// submission" and written to the audit log.
func (r Registration) fields() map[string]any {
	return map[string]any{
		"legal_name": r.LegalName, "kvk": r.KvK, "street": r.Street, "postcode": r.Postcode, "city": r.City,
		"country": r.Country, "postal_address": r.PostalAddress, "contact_name": r.ContactName,
		"contact_email": r.ContactEmail, "contact_phone": r.ContactPhone, "ip_ranges": strings.Join(r.IPRanges, ","),
		"subsectors": strings.Join(r.Subsectors, ","), "member_states": strings.Join(r.MemberStates, ","),
		"authority": r.Authority, "csirt": r.CSIRT, "info_sharing": r.InfoSharing, "info_sharing_details": r.InfoSharingDetails,
		"main_establishment": r.MainEstablishment, "other_establishments": strings.Join(r.OtherEstablishments, "; "),
		"eu_representative": r.EURepresentative,
	}
}

// ProposeSupervision fills in an empty competent authority and CSIRT from
// the reference data of the entity's subsectors (scope.Recipients), so the
// form starts from what the law says: the competent authority of the first
// subsector (the form holds one; the scope page lists all of them) and every
// CSIRT the subsectors report to (e.g. "Z-CERT, NCSC" for a hospital that
// also runs a data centre). What the entity already chose is kept.
func (r *Registration) ProposeSupervision() {
	var authority string
	var csirts []string
	for _, rc := range scope.Recipients(r.Subsectors) {
		switch {
		case rc.Role == scope.RoleAuthority && authority == "":
			authority = rc.Code
		case rc.Role == scope.RoleCSIRT:
			csirts = append(csirts, rc.Code)
		}
	}
	if r.Authority == "" {
		r.Authority = authority
	}
	if r.CSIRT == "" {
		r.CSIRT = strings.Join(csirts, ", ")
	}
}

// SupervisionDiffers reports whether the recorded competent authority or
// CSIRT does not match the reference data for the subsectors — for example a
// research organisation registered with the Minister of Education, or a
// hospital with the NCSC as its only CSIRT, from before the data was
// corrected. Empty fields do not differ (the form proposes them).
func (r Registration) SupervisionDiffers() bool {
	var authorities []string
	for _, rc := range scope.Recipients(r.Subsectors) {
		switch rc.Role {
		case scope.RoleAuthority:
			authorities = append(authorities, rc.Code)
		case scope.RoleCSIRT:
			if r.CSIRT != "" && !strings.Contains(strings.ToUpper(r.CSIRT), strings.ToUpper(rc.Code)) {
				return true
			}
		}
	}
	return r.Authority != "" && len(authorities) > 0 && !slices.Contains(authorities, r.Authority)
}
