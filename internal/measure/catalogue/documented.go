package catalogue

// documented2026_1 lists the requirements of edition 2026.1 that the Annex to
// Implementing Regulation (EU) 2024/2690 words as a documented policy,
// procedure or plan, so that meeting them needs at least maturity 3
// ("defined": laid down, with an owner, and carried out that way). Edition
// 2026.1 was published before requirements carried the "documented" flag;
// later editions set it in the file.
//
// The judgement, point by point (Annex numbering):
//
//	1.1  policy on the security of network and information systems
//	2.1  risk management framework: documented method, criteria and a risk
//	     treatment plan
//	3.1  incident handling policy
//	3.5  incident response "in accordance with documented procedures"
//	4.1  business continuity and disaster recovery plan
//	5.1  supply chain security policy
//	6.3  configuration management: secure configurations established and
//	     documented
//	6.4  change management procedures
//	6.5  security testing policy
//	7    policies and procedures to assess the effectiveness of the measures
//	     (also Art. 21(2)(f) NIS2)
//	9    policy and procedures related to cryptography (also Art. 21(2)(h))
//	10.3 termination or change of employment procedures
//	11.1 access control policy (also Art. 21(2)(i))
//	12.2 policy on the handling of assets
//	12.3 removable media policy
//
// Not listed, although they produce records: registers and inventories (5.2
// directory of suppliers, 12.4 asset inventory), processes the Annex does not
// word as documented (2.2, 2.3, 3.2–3.4, 3.6, 4.2, 4.3, 6.1, 6.2, 6.6–6.10, 8,
// 10.1, 10.2, 10.4, 11.2–11.7, 12.1, 12.5, 13).
var documented2026_1 = map[string]bool{
	"1.1": true, "2.1": true, "3.1": true, "3.5": true, "4.1": true, "5.1": true,
	"6.3": true, "6.4": true, "6.5": true, "7": true, "9": true, "10.3": true,
	"11.1": true, "12.2": true, "12.3": true,
}

// deriveDocumented sets Documented for edition 2026.1 from documented2026_1;
// other editions keep what their file says.
func deriveDocumented(c *Catalogue) {
	if c.Version != "2026.1" {
		return
	}
	for i := range c.Requirements {
		c.Requirements[i].Documented = documented2026_1[c.Requirements[i].Code]
	}
}
