// Package layout renders the page shell: skip link, top bar (entity, language,
// user) and the module navigation.
package layout

import "strconv"

// EntityRef names an entity in the top bar and the entity switcher.
type EntityRef struct {
	ID   int64
	Name string
}

// Path returns the entity's base URL.
func (e EntityRef) Path() string { return "/e/" + strconv.FormatInt(e.ID, 10) }

// Props is what every page passes to the shell.
type Props struct {
	// Title is the page title, already translated.
	Title string
	// Active is the key of the navigation item to highlight.
	Active string
	// Entity is the entity the page belongs to; nil outside an entity.
	Entity *EntityRef
	// CurrentPath is where the language switch returns to.
	CurrentPath string
	// User is the signed-in user; nil on public pages.
	User *UserRef
	// Entities are the user's entities, for the entity switcher.
	Entities []EntityRef
	// ShowAdmin adds the "Beheer" module for entity admins.
	ShowAdmin bool
	// HideAudit: the user may not read the audit log, so "Audit & export"
	// opens the evidence register instead.
	HideAudit bool
	// ShowExports: the user may build evidence packages (a tab of "Audit &
	// export").
	ShowExports bool
	// Refresh, when above 0, reloads the page after that many seconds when
	// JavaScript is off (a <meta http-equiv="refresh"> in <noscript>):
	// progress without JavaScript, e.g. while an evidence package is being
	// built. With JavaScript the page's data-live regions update in place
	// (web/static/js/live.js).
	Refresh int
}

// UserRef names the signed-in user in the top bar.
type UserRef struct {
	Name          string
	InstanceAdmin bool
	// Invitations counts the pending invitations, linked from the top bar
	// to the start page where the user answers them.
	Invitations int
}

// NavItem is one module in the left navigation.
type NavItem struct {
	Key, LabelKey, Suffix string
}

// Nav lists the modules in the order UX.md gives.
var Nav = []NavItem{
	{"dashboard", "nav.dashboard", "/"},
	{"scope", "nav.scope", "/scope"},
	{"measures", "nav.measures", "/measures"},
	{"risks", "nav.risks", "/risks"},
	{"board", "nav.board", "/board"},
	{"incidents", "nav.incidents", "/incidents"},
	{"audit", "nav.audit", "/audit"},
}

// AdminNav is the module only entity admins see.
var AdminNav = NavItem{"users", "nav.users", "/users"}
