package auth

import (
	"container/list"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults for ThrottleConfig.
const (
	defaultPerAccount     = 5
	defaultPerIP          = 50
	defaultPerSecondStep  = 5
	defaultThrottleWindow = 15 * time.Minute
	defaultMaxKeys        = 10000
)

// ThrottleConfig sets the limits of login throttling. Zero or negative
// fields take the defaults.
type ThrottleConfig struct {
	// PerAccount is the number of failed attempts allowed per account per
	// Window (default 5): few enough to stop online guessing of one
	// person's password, enough for honest typing mistakes.
	PerAccount int
	// PerIP is the number of failed attempts allowed per client IP per
	// Window (default 50): it slows password spraying across many accounts
	// from one address while leaving room for an office behind one NAT.
	PerIP int
	// PerSecondFactor is the number of wrong second-factor codes allowed
	// per account per Window (default 5). It is a bucket of its own: a
	// correct password never refills it, so knowing the password does not
	// buy more guesses at the six-digit code.
	PerSecondFactor int
	// Window is the time in which a key's allowance fully refills (default
	// 15 minutes).
	Window time.Duration
	// MaxKeys bounds the number of keys tracked, separately for accounts
	// and for IPs (default 10000 each); when full, the least recently used
	// key is forgotten first.
	MaxKeys int
}

// Throttle limits failed logins per account and per client IP with a token
// bucket for each key: the burst is the limit and the bucket refills at
// limit tokens per Window, so after PerAccount failures the next attempt is
// refused, one more is allowed every Window/PerAccount, and a full recovery
// takes the Window. Only failures take tokens, and refused attempts are not
// counted, so an attacker who hammers an account cannot lock its owner out
// for longer than the Window after the attacker stops.
//
// Memory is bounded: each of the two maps (accounts, IPs) holds at most
// MaxKeys limiters, about 5 MB in all at the default. When a map is full,
// the key least recently checked or failed is evicted, which forgets its
// failures. Pushing a victim's account out early would take MaxKeys fresh
// failing keys within the Window, which the per-IP limit makes costly
// (MaxKeys/PerIP addresses); a key idle for a whole Window has a full bucket
// anyway, so evicting it loses nothing.
//
// The state is in memory, per process: a restart forgets it, and several
// instances would each allow the limits. The per-account limits (password
// and second factor) are therefore also checked against the failures every
// instance recorded in the audit log (Service.checkShared); the per-IP
// limit stays per instance (docs/operations.md).
//
// A Throttle is safe for concurrent use.
//
// Second-factor codes have their own buckets, keyed by user id (see
// CheckSecondFactor): a six-digit code is far easier to guess than a
// password, and the password bucket is refilled by every correct password.
type Throttle struct {
	mu       sync.Mutex
	cfg      ThrottleConfig
	now      func() time.Time
	accounts *limiterLRU
	ips      *limiterLRU
	factors  *limiterLRU
}

// NewThrottle returns a Throttle for cfg. now is the clock: time.Now in
// production, a fake clock in tests so they need no sleeping; nil means
// time.Now. Zero config fields take the defaults.
func NewThrottle(cfg ThrottleConfig, now func() time.Time) *Throttle {
	if cfg.PerAccount <= 0 {
		cfg.PerAccount = defaultPerAccount
	}
	if cfg.PerIP <= 0 {
		cfg.PerIP = defaultPerIP
	}
	if cfg.PerSecondFactor <= 0 {
		cfg.PerSecondFactor = defaultPerSecondStep
	}
	if cfg.Window <= 0 {
		cfg.Window = defaultThrottleWindow
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = defaultMaxKeys
	}
	if now == nil {
		now = time.Now
	}
	return &Throttle{
		cfg:      cfg,
		now:      now,
		accounts: newLimiterLRU(cfg.MaxKeys, cfg.PerAccount, cfg.Window),
		ips:      newLimiterLRU(cfg.MaxKeys, cfg.PerIP, cfg.Window),
		factors:  newLimiterLRU(cfg.MaxKeys, cfg.PerSecondFactor, cfg.Window),
	}
}

// normaliseAccount makes "Alice@Example.org " and "alice@example.org" share
// one limiter, so changing case does not buy an attacker more guesses.
func normaliseAccount(account string) string {
	return strings.ToLower(strings.TrimSpace(account))
}

// Check reports whether a login attempt for account from ip may proceed
// now. If not, retryAfter is how long until it may, rounded up to whole
// seconds (for a Retry-After header and the message shown). It consumes
// nothing: only Failed does. An empty account or ip is not limited on that
// key.
func (t *Throttle) Check(account, ip string) (ok bool, retryAfter time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	wait := max(
		t.accounts.wait(normaliseAccount(account), now),
		t.ips.wait(ip, now),
	)
	if wait <= 0 {
		return true, 0
	}
	return false, wait
}

// Failed records a failed attempt against both the account and the IP. A
// key that has no allowance left is not charged further, which keeps the
// lock-out bounded by the Window.
func (t *Throttle) Failed(account, ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.accounts.fail(normaliseAccount(account), now)
	t.ips.fail(ip, now)
}

// Succeeded forgets the account's failures after a successful login, so a
// person who mistyped a few times starts afresh. The IP's failures are kept:
// an attacker who owns one account must not be able to reset the limit
// for the address used to guess others.
func (t *Throttle) Succeeded(account string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.accounts.remove(normaliseAccount(account))
}

// factorKey is the second-factor bucket of a user.
func factorKey(userID int64) string { return strconv.FormatInt(userID, 10) }

// CheckSecondFactor is Check for a second-factor code of userID from ip: it
// consults the user's second-factor bucket and the IP's bucket.
func (t *Throttle) CheckSecondFactor(userID int64, ip string) (ok bool, retryAfter time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	wait := max(t.factors.wait(factorKey(userID), now), t.ips.wait(ip, now))
	if wait <= 0 {
		return true, 0
	}
	return false, wait
}

// FailedSecondFactor records a wrong code against the user's second-factor
// bucket and the IP. Succeeded (a correct password) leaves it alone.
func (t *Throttle) FailedSecondFactor(userID int64, ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.factors.fail(factorKey(userID), now)
	t.ips.fail(ip, now)
}

// SucceededSecondFactor forgets the user's wrong codes once a correct one
// was given: only the account's owner gets that far.
func (t *Throttle) SucceededSecondFactor(userID int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.factors.remove(factorKey(userID))
}

// len returns the number of tracked account and IP keys; tests use it to
// check the memory bound.
func (t *Throttle) len() (accounts, ips int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.accounts.ll.Len(), t.ips.ll.Len()
}

// limiterLRU is a map of token buckets bounded to max entries, evicting the
// least recently used. It is not safe for concurrent use; Throttle's mutex
// guards it.
type limiterLRU struct {
	max   int
	burst int
	limit rate.Limit
	ll    *list.List // of *lruEntry, most recently used at the front
	m     map[string]*list.Element
}

type lruEntry struct {
	key string
	lim *rate.Limiter
}

func newLimiterLRU(max, perWindow int, window time.Duration) *limiterLRU {
	return &limiterLRU{
		max:   max,
		burst: perWindow,
		limit: rate.Limit(float64(perWindow) / window.Seconds()),
		ll:    list.New(),
		m:     make(map[string]*list.Element),
	}
}

// tokenEpsilon absorbs floating-point noise in the token count: after
// waiting exactly the retryAfter that Check returned, a bucket may hold
// 0.9999999999999999 tokens, which must count as one.
const tokenEpsilon = 1e-6

// wait returns how long until key has a whole token at now: 0 if it has one
// (or is not tracked), otherwise a duration rounded up to whole seconds.
func (l *limiterLRU) wait(key string, now time.Time) time.Duration {
	if key == "" {
		return 0
	}
	el, ok := l.m[key]
	if !ok {
		return 0
	}
	l.ll.MoveToFront(el)
	tokens := el.Value.(*lruEntry).lim.TokensAt(now)
	if tokens >= 1-tokenEpsilon {
		return 0
	}
	// Convert to whole nanoseconds first, so that noise in the last digits
	// (179.99999999999997 s) does not add a whole second when rounding up.
	d := time.Duration((1 - tokens) / float64(l.limit) * float64(time.Second))
	secs := (d + time.Second - 1) / time.Second
	return max(secs, 1) * time.Second
}

// fail takes one token from key's bucket, creating the bucket (full) if the
// key is new and evicting the least recently used key if the map is full.
// A bucket without a whole token is left alone, so attempts that Check
// would have refused are never charged and the lock-out stays bounded.
func (l *limiterLRU) fail(key string, now time.Time) {
	if key == "" {
		return
	}
	el, ok := l.m[key]
	if ok {
		l.ll.MoveToFront(el)
	} else {
		for l.ll.Len() >= l.max {
			oldest := l.ll.Back()
			l.ll.Remove(oldest)
			delete(l.m, oldest.Value.(*lruEntry).key)
		}
		el = l.ll.PushFront(&lruEntry{key: key, lim: rate.NewLimiter(l.limit, l.burst)})
		l.m[key] = el
	}
	lim := el.Value.(*lruEntry).lim
	if lim.TokensAt(now) >= 1-tokenEpsilon {
		// ReserveN, unlike AllowN, also takes the token when the count is
		// a hair below one; the reservation itself is not needed.
		lim.ReserveN(now, 1)
	}
}

// remove forgets key.
func (l *limiterLRU) remove(key string) {
	if el, ok := l.m[key]; ok {
		l.ll.Remove(el)
		delete(l.m, key)
	}
}
