package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock so throttle tests need no sleeping.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// mustAllow fails the test unless the attempt may proceed.
func mustAllow(t *testing.T, th *Throttle, account, ip string) {
	t.Helper()
	if ok, retry := th.Check(account, ip); !ok || retry != 0 {
		t.Fatalf("Check(%q, %q) = %v, %v; want true, 0", account, ip, ok, retry)
	}
}

// mustRefuse fails the test unless the attempt is refused, and returns the
// retry delay after checking it is positive, at most the window and whole
// seconds.
func mustRefuse(t *testing.T, th *Throttle, account, ip string, window time.Duration) time.Duration {
	t.Helper()
	ok, retry := th.Check(account, ip)
	if ok {
		t.Fatalf("Check(%q, %q) allowed, want refused", account, ip)
	}
	if retry <= 0 || retry > window {
		t.Fatalf("retryAfter = %v, want in (0, %v]", retry, window)
	}
	if retry%time.Second != 0 {
		t.Fatalf("retryAfter = %v, want whole seconds", retry)
	}
	return retry
}

func TestThrottlePerAccount(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	th := NewThrottle(ThrottleConfig{}, clock.Now) // the defaults: 5 per account per 15 min
	const window = 15 * time.Minute

	for range 5 {
		mustAllow(t, th, "alice@example.org", "192.0.2.1")
		th.Failed("alice@example.org", "192.0.2.1")
		clock.Advance(time.Second) // a person retyping, not a burst
	}
	retry := mustRefuse(t, th, "alice@example.org", "192.0.2.1", window)
	// One attempt comes back every window/5 = 3 min; 5 s of it have passed
	// since the first failure.
	if want := 3*time.Minute - 5*time.Second; retry != want {
		t.Fatalf("retryAfter = %v, want %v", retry, want)
	}

	// The account is keyed case-insensitively and from any address.
	mustRefuse(t, th, "Alice@Example.ORG ", "198.51.100.7", window)
	// Other accounts from the same address are not affected.
	mustAllow(t, th, "bob@example.org", "192.0.2.1")

	// Refused attempts are not counted: hammering while locked does not
	// extend the lock-out.
	for range 100 {
		mustRefuse(t, th, "alice@example.org", "203.0.113.9", window)
		th.Failed("alice@example.org", "203.0.113.9") // a caller that records anyway
	}
	clock.Advance(retry)
	mustAllow(t, th, "alice@example.org", "192.0.2.1")

	// After a full window, the full allowance is back.
	clock.Advance(window)
	for range 5 {
		mustAllow(t, th, "alice@example.org", "192.0.2.1")
		th.Failed("alice@example.org", "192.0.2.1")
	}
	mustRefuse(t, th, "alice@example.org", "192.0.2.1", window)
}

func TestThrottleRecoversAfterWindow(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	window := 15 * time.Minute
	th := NewThrottle(ThrottleConfig{PerAccount: 5, Window: window}, clock.Now)
	for range 5 {
		th.Failed("alice@example.org", "192.0.2.1")
	}
	if retry := mustRefuse(t, th, "alice@example.org", "192.0.2.1", window); retry != 3*time.Minute {
		t.Fatalf("retryAfter = %v, want 3m0s", retry)
	}
	clock.Advance(3*time.Minute - time.Second)
	if retry := mustRefuse(t, th, "alice@example.org", "192.0.2.1", window); retry != time.Second {
		t.Fatalf("retryAfter = %v, want 1s", retry)
	}
	clock.Advance(window)
	mustAllow(t, th, "alice@example.org", "192.0.2.1")
}

func TestThrottlePerIP(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	const window = 15 * time.Minute
	th := NewThrottle(ThrottleConfig{}, clock.Now) // 50 per IP
	const ip = "192.0.2.66"

	// Password spraying: one failure each on many accounts.
	for i := range 50 {
		account := fmt.Sprintf("user%d@example.org", i)
		mustAllow(t, th, account, ip)
		th.Failed(account, ip)
	}
	retry := mustRefuse(t, th, "fresh@example.org", ip, window)
	if retry != 18*time.Second { // window/50
		t.Fatalf("retryAfter = %v, want 18s", retry)
	}
	// The same accounts from another address are fine.
	mustAllow(t, th, "user0@example.org", "192.0.2.67")

	// A successful login does not reset the address.
	th.Succeeded("user0@example.org")
	mustRefuse(t, th, "user0@example.org", ip, window)

	clock.Advance(window)
	mustAllow(t, th, "fresh@example.org", ip)
}

func TestThrottleSucceededResetsAccount(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	const window = 15 * time.Minute
	th := NewThrottle(ThrottleConfig{}, clock.Now)
	for range 5 {
		th.Failed("alice@example.org", "192.0.2.1")
	}
	mustRefuse(t, th, "alice@example.org", "192.0.2.1", window)

	th.Succeeded("ALICE@example.org") // same account, other case
	mustAllow(t, th, "alice@example.org", "192.0.2.1")
	for range 5 {
		mustAllow(t, th, "alice@example.org", "192.0.2.1")
		th.Failed("alice@example.org", "192.0.2.1")
	}
	mustRefuse(t, th, "alice@example.org", "192.0.2.1", window)

	th.Succeeded("nobody@example.org") // unknown account: no effect, no panic
}

func TestThrottleConfig(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	th := NewThrottle(ThrottleConfig{PerAccount: 2, PerIP: 3, Window: time.Minute}, clock.Now)
	th.Failed("a", "ip1")
	th.Failed("a", "ip2")
	if ok, retry := th.Check("a", "ip3"); ok || retry != 30*time.Second {
		t.Fatalf("Check after 2 failures = %v, %v; want false, 30s", ok, retry)
	}
	th.Failed("b", "ip1")
	th.Failed("c", "ip1")
	if ok, retry := th.Check("d", "ip1"); ok || retry != 20*time.Second {
		t.Fatalf("Check after 3 failures from ip1 = %v, %v; want false, 20s", ok, retry)
	}
	// When both keys are exhausted, the longer wait wins.
	if ok, retry := th.Check("a", "ip1"); ok || retry != 30*time.Second {
		t.Fatalf("Check with both exhausted = %v, %v; want false, 30s", ok, retry)
	}

	// Empty keys are not tracked: they must neither panic nor lock
	// everybody without an address out together.
	for range 10 {
		th.Failed("", "")
	}
	mustAllow(t, th, "", "")
	if a, i := th.len(); a != 3 || i != 2 {
		t.Fatalf("tracked %d accounts and %d IPs, want 3 and 2", a, i)
	}

	// nil clock means time.Now.
	real := NewThrottle(ThrottleConfig{}, nil)
	mustAllow(t, real, "x", "y")
}

func TestThrottleMaxKeys(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	const maxKeys = 100
	th := NewThrottle(ThrottleConfig{MaxKeys: maxKeys}, clock.Now)

	for i := range maxKeys + 100 {
		th.Failed(fmt.Sprintf("user%d@example.org", i), fmt.Sprintf("198.51.100.%d:%d", i%256, i))
		if a, ips := th.len(); a > maxKeys || ips > maxKeys {
			t.Fatalf("after %d keys: tracking %d accounts and %d IPs, bound is %d", i+1, a, ips, maxKeys)
		}
	}
	if a, ips := th.len(); a != maxKeys || ips != maxKeys {
		t.Fatalf("tracking %d accounts and %d IPs, want exactly %d each", a, ips, maxKeys)
	}
	// The oldest keys were evicted, the newest are kept.
	if _, ok := th.accounts.m["user0@example.org"]; ok {
		t.Fatal("the least recently used account was not evicted")
	}
	if _, ok := th.accounts.m[fmt.Sprintf("user%d@example.org", maxKeys+99)]; !ok {
		t.Fatal("the most recent account was evicted")
	}
}

func TestThrottleEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	const window = 15 * time.Minute
	th := NewThrottle(ThrottleConfig{MaxKeys: 3}, clock.Now)
	for range 5 {
		th.Failed("a", "ip")
	}
	th.Failed("b", "ip")
	th.Failed("c", "ip")
	mustRefuse(t, th, "a", "other-ip", window) // using "a" makes "b" the oldest
	th.Failed("d", "ip")

	if _, ok := th.accounts.m["b"]; ok {
		t.Fatal(`"b" should have been evicted as least recently used`)
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := th.accounts.m[k]; !ok {
			t.Fatalf("%q was evicted, want it kept", k)
		}
	}
	// The locked account kept its state through the eviction.
	mustRefuse(t, th, "a", "other-ip", window)
}

// TestThrottleConcurrent exercises the mutex under -race.
func TestThrottleConcurrent(t *testing.T) {
	t.Parallel()
	th := NewThrottle(ThrottleConfig{MaxKeys: 50}, newFakeClock().Now)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				account := fmt.Sprintf("u%d", (g*200+i)%70)
				ip := fmt.Sprintf("ip%d", i%60)
				th.Check(account, ip)
				th.Failed(account, ip)
				if i%7 == 0 {
					th.Succeeded(account)
				}
			}
		})
	}
	wg.Wait()
	if a, ips := th.len(); a > 50 || ips > 50 {
		t.Fatalf("tracking %d accounts and %d IPs, bound is 50", a, ips)
	}
}

// TestSecondFactorBucketIsSeparate: wrong codes fill a per-user bucket of
// their own that a correct password (Succeeded) does not empty; a correct
// code does.
func TestSecondFactorBucketIsSeparate(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	th := NewThrottle(ThrottleConfig{}, clock.Now)
	for round := 0; round < 5; round++ {
		if ok, _ := th.CheckSecondFactor(7, "192.0.2.1"); !ok {
			t.Fatalf("code %d refused", round+1)
		}
		th.FailedSecondFactor(7, "192.0.2.1")
		th.Succeeded("officer@example.nl") // the attacker knows the password
	}
	if ok, retry := th.CheckSecondFactor(7, "192.0.2.2"); ok || retry <= 0 {
		t.Fatalf("sixth code allowed (from another IP too): %v %v", ok, retry)
	}
	if ok, _ := th.CheckSecondFactor(8, "192.0.2.1"); !ok {
		t.Fatal("another user's codes are limited")
	}
	mustAllow(t, th, "officer@example.nl", "192.0.2.3") // passwords have their own bucket
	th.SucceededSecondFactor(7)
	if ok, _ := th.CheckSecondFactor(7, "192.0.2.1"); !ok {
		t.Fatal("a correct code did not reset the bucket")
	}
}
