package seedlarge

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/scope"
)

// profile is one organisation of the dataset.
type profile struct {
	name, city, subsector, authority, csirt string
	employees                               int
	turnover                                int64
}

// profiles are the twenty organisations, the largest first.
var profiles = []profile{
	{"Waterbedrijf Groot-Nederland", "Utrecht", "drinking_water", "IENW", "NCSC", 2400, 480_000_000},
	{"Netbeheer Oost", "Arnhem", "energy.electricity", "KGG", "NCSC", 900, 310_000_000},
	{"Ziekenhuis Rijnmond", "Rotterdam", "health.healthcare_provider", "VWS", "Z-CERT", 3100, 420_000_000},
	{"Gemeente Zuiderstad", "Zuiderstad", "public_administration.municipality", "BZK", "NCSC", 1200, 250_000_000},
	{"Havenbedrijf Noordkust", "Delfzijl", "transport.water", "IENW", "NCSC", 650, 180_000_000},
	{"Warmtenet Midden", "Amersfoort", "energy.district_heating", "KGG", "NCSC", 280, 90_000_000},
	{"Waterschap De Lage Landen", "Zwolle", "public_administration.water_board", "IENW", "NCSC", 540, 120_000_000},
	{"Cloud Polder B.V.", "Amsterdam", "digital.cloud", "EZ", "NCSC", 310, 75_000_000},
	{"Datacentrum Flevo", "Almere", "digital.data_centre", "EZ", "NCSC", 160, 60_000_000},
	{"Spoorvervoer Randstad", "Utrecht", "transport.rail", "IENW", "NCSC", 2000, 600_000_000},
	{"Zuivering West", "Leiden", "waste_water", "IENW", "NCSC", 220, 55_000_000},
	{"Gasnet Zuid", "Eindhoven", "energy.gas", "KGG", "NCSC", 430, 140_000_000},
	{"Beheerpartner IT B.V.", "Den Bosch", "ict.msp", "EZ", "NCSC", 120, 25_000_000},
	{"Streekziekenhuis Noord", "Assen", "health.healthcare_provider", "VWS", "Z-CERT", 1400, 190_000_000},
	{"Afvalverwerking Oost", "Enschede", "waste_management", "IENW", "NCSC", 380, 95_000_000},
	{"Voedingsgroep Brabant", "Tilburg", "food", "LVVN", "NCSC", 700, 230_000_000},
	{"Chemiepark Delta", "Terneuzen", "chemicals", "IENW", "NCSC", 850, 410_000_000},
	{"Regionaal Vliegveld Zuid", "Maastricht", "transport.air", "IENW", "NCSC", 260, 48_000_000},
	{"Provincie Middenland", "Lelystad", "public_administration.province", "BZK", "NCSC", 900, 150_000_000},
	{"Telecom Lokaal B.V.", "Groningen", "digital.public_electronic_communications", "EZ", "NCSC", 190, 52_000_000},
}

// people are the accounts' names, four per entity.
var givenNames = []string{"Sanne", "Daan", "Fatima", "Pieter", "Noor", "Mehmet", "Lotte", "Jeroen", "Ayşe", "Bram", "Eva", "Kofi",
	"Iris", "Thijs", "Yara", "Ruben", "Linda", "Sem", "Anouk", "Milan"}
var familyNames = []string{"Visser", "de Vries", "El Amrani", "Jansen", "Bakker", "Yılmaz", "Smit", "Mulder", "de Boer", "Peters",
	"Hendriks", "Mensah", "van Dijk", "Bos", "Kramer", "Vos", "de Wit", "Dekker", "Verhoeven", "Koster"}

// accountsOf are entity i's four accounts (without ids).
func accountsOf(i int) []Account {
	domain := Slug(i) + ".weerbaar.test"
	out := make([]Account, 0, 4)
	for k, role := range []authz.Role{authz.SecurityOfficer, authz.Auditor, authz.Admin, authz.BoardMember} {
		n := i*4 + k
		name := givenNames[n%len(givenNames)] + " " + familyNames[(n*7+i)%len(familyNames)]
		local := map[authz.Role]string{authz.SecurityOfficer: "officer", authz.Auditor: "auditor", authz.Admin: "admin", authz.BoardMember: "board"}[role]
		out = append(out, Account{Email: local + "@" + domain, Name: name, Role: role})
	}
	return out
}

// passwordHash hashes Password once: hashing is slow by design, and every
// account shares the password.
func passwordHash() (string, error) { return auth.HashPassword(Password) }

// seed is what the parts of one entity's seed share.
type seed struct {
	o                              Options
	i                              int
	r                              *randSource
	tx                             pgx.Tx
	e                              Entity
	created                        time.Time // the entity's creation, about three years ago
	officer, auditor, admin, board int64
	// Built ids, for the parts that refer to them.
	jewels, suppliers, scenarios, mitigations, incidentIDs, trainings, exercises []int64
	acceptScenarios                                                              []int64
	entries                                                                      []entryRef
	requirementCodes                                                             []string
	edition                                                                      string
}

type entryRef struct{ incident, entry int64 }

// newSeed creates entity i and its accounts in tx.
func newSeed(ctx context.Context, tx pgx.Tx, o Options, i int, hash string) (*seed, error) {
	p := profiles[i]
	s := &seed{o: o, i: i, r: newRand(o, i), tx: tx, created: o.Today.AddDate(-3, 0, 0).Add(9 * time.Hour)}
	s.e = Entity{Slug: Slug(i), Name: p.name, Counts: countsFor(o, i)}
	err := tx.QueryRow(ctx, `INSERT INTO entities (slug, name, legal_name, city, mfa_required, created_at, updated_at)
		VALUES ($1, $2, $3, $4, false, $5, $5) RETURNING id, catalogue_edition`,
		s.e.Slug, p.name, p.name+" N.V.", p.city, s.created).Scan(&s.e.ID, &s.edition)
	if err != nil {
		return nil, fmt.Errorf("entity: %w", db.MapError(err))
	}
	return s, s.accounts(ctx, hash)
}

// fill builds the entity's data in tx.
func (s *seed) fill(ctx context.Context, tx pgx.Tx) error {
	s.tx = tx
	for _, step := range []func(context.Context) error{s.riskAnalysis, s.requirements, s.training, s.incidents, s.evidence, s.approvals, s.audit} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// accounts creates the four users (or reuses them) and their memberships.
func (s *seed) accounts(ctx context.Context, hash string) error {
	for _, a := range accountsOf(s.i) {
		err := s.tx.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash RETURNING id`,
			a.Email, a.Name, hash, s.created).Scan(&a.UserID)
		if err != nil {
			return fmt.Errorf("user %s: %w", a.Email, err)
		}
		if _, err := s.tx.Exec(ctx, `INSERT INTO memberships (entity_id, user_id, role, created_at, accepted_at) VALUES ($1, $2, $3, $4, $4)`,
			s.e.ID, a.UserID, string(a.Role), s.created); err != nil {
			return fmt.Errorf("membership %s: %w", a.Email, err)
		}
		switch a.Role {
		case authz.SecurityOfficer:
			s.officer = a.UserID
		case authz.Auditor:
			s.auditor = a.UserID
		case authz.Admin:
			s.admin = a.UserID
		case authz.BoardMember:
			s.board = a.UserID
		}
		s.e.Accounts = append(s.e.Accounts, a)
	}
	_, err := s.tx.Exec(ctx, `INSERT INTO board_appointments (entity_id, user_id, appointed_on, updated_by) VALUES ($1, $2, $3, $4)`,
		s.e.ID, s.board, s.created.AddDate(-1, 0, 0), s.admin)
	return err
}

// seedServices records, through the services, what the app derives: the
// scope assessment, the registration and the proportionality factors.
func seedServices(ctx context.Context, pool *pgxpool.Pool, e Entity, i int) error {
	p := profiles[i]
	officer := e.Account(authz.SecurityOfficer)
	actor := authz.Actor{UserID: officer.UserID, Email: officer.Email, Name: officer.Name, EntityID: e.ID, Role: authz.SecurityOfficer}
	ctx = audit.WithMeta(ctx, audit.Meta{ActorID: officer.UserID, ActorEmail: officer.Email})
	if _, err := entity.SaveAssessment(ctx, pool, actor, scope.Input{Subsectors: []string{p.subsector},
		Employees: p.employees, TurnoverEUR: p.turnover, BalanceEUR: p.turnover * 3}); err != nil {
		return fmt.Errorf("scope: %w", err)
	}
	if _, _, err := entity.UpdateRegistration(ctx, pool, actor, entity.RegistrationInput{
		LegalName: p.name + " N.V.", KvK: fmt.Sprintf("%08d", 30_000_000+i*7919), Street: "Stationsplein " + strconv.Itoa(i+1),
		Postcode: fmt.Sprintf("%04d AB", 1000+i*311), City: p.city, Country: "NL", ContactName: officer.Name,
		ContactEmail: "ciso@" + e.Slug + ".weerbaar.test", ContactPhone: fmt.Sprintf("+31 30 %03d %04d", 100+i, 1000+i),
		IPRanges: fmt.Sprintf("198.51.%d.0/24", i), Subsectors: []string{p.subsector}, MemberStates: []string{"NL"},
		Authority: p.authority, CSIRT: p.csirt, InfoSharing: i%2 == 0, InfoSharingDetails: infoSharing(i),
		// Read only for the digital subsectors of Art. 27 NIS2.
		MainEstablishment: "Stationsplein " + strconv.Itoa(i+1) + ", " + p.city,
	}); err != nil {
		return fmt.Errorf("registration: %w", err)
	}
	return measure.SaveFactors(ctx, pool, actor, measure.FactorsInput{Exposure: strconv.Itoa(3 + i%3),
		Likelihood: strconv.Itoa(2 + i%3), Impact: strconv.Itoa(3 + i%3)})
}

func infoSharing(i int) string {
	if i%2 != 0 {
		return ""
	}
	return "ISAC " + strings.Split(profiles[i].subsector, ".")[0]
}
