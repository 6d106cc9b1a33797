package apptest

import (
	"sync"
	"time"
)

// Clock is a settable clock for the app's login throttle and TOTP checks
// (Options.Clock = clock.Now), so tests move time instead of sleeping.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts at the real current time.
func NewClock() *Clock { return &Clock{now: time.Now()} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// NewClockAt starts at t.
func NewClockAt(t time.Time) *Clock { return &Clock{now: t} }
