package rooms

// How long the caches keep what nobody uses, for tests that move the clock.
const (
	IdleEviction   = idleEviction
	ClosedEviction = closedEviction
	SweepEvery     = sweepEvery
)
