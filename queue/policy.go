package queue

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Policy kinds.
const (
	PolicyFIFO     = "fifo"
	PolicyRotate   = "rotate"
	PolicyBalanced = "balanced"
)

// Measures for the balanced policy.
const (
	MeasureTime  = "time"
	MeasureTurns = "turns"
)

// DefaultMaxPasses bounds how many requests raised later may be called before
// a waiting one under the balanced policy. Each call from an under-represented
// category passes everyone waiting before it, so the bound is also how far
// balancing can reach. In a queue of 30 (an hour of 2-minute turns) with 70%
// of hands from one group, about 9 hands from the other groups are raised
// behind a waiting request at one new hand per turn, 18 at two: 20 lets them
// come forward, and caps the extra wait at about 40 minutes. In the meeting
// of TestBalancedSkewedDemand, 20 keeps about 80% of the gain balancing makes
// with no bound at all; 10 keeps about half.
const DefaultMaxPasses = 20

// DefaultTurn is how long a turn is expected to take before anyone has
// spoken: the default time limit.
const DefaultTurn = 2 * time.Minute

// targetEpsilon absorbs rounding when a dimension's targets add up to 1, as
// three targets of 0.3333 and friends do.
const targetEpsilon = 1e-9

// NETmundialPattern is the rotation NETmundial 2014 ran: four sector
// microphones (governments with intergovernmental organisations, the private
// sector, civil society, academia with the technical community) and two
// remote slots. Read it, do not modify it: Normalize hands out copies.
var NETmundialPattern = []string{
	"government", "private-sector", "civil-society", "academic-technical", "remote", "remote",
}

// ErrInvalidPolicy is wrapped by every error Normalize returns.
var ErrInvalidPolicy = errors.New("invalid queue policy")

// Policy is a room's queue policy, as one JSON object in the API.
type Policy struct {
	Kind      string                        `json:"kind"`
	Measure   string                        `json:"measure,omitempty"`
	Weights   map[string]float64            `json:"weights,omitempty"`
	Targets   map[string]map[string]float64 `json:"targets,omitempty"`
	MaxPasses int                           `json:"max_passes,omitempty"`
	// MaxWaitS bounds waiting in seconds instead of passes: a request goes
	// before any speech that would make it, or one raised before it, start
	// more than MaxWaitS after being raised, as planned with each speaker's
	// expected length. 0 leaves the bound on passes.
	MaxWaitS int      `json:"max_wait_s,omitempty"`
	Pattern  []string `json:"pattern,omitempty"`
}

// defaultWeights weighs stakeholder group and gender fully, the balances
// multistakeholder meetings are held to account for, and lets region and mode
// nudge the order at half weight.
func defaultWeights() map[string]float64 {
	return map[string]float64{DimGroup: 1, DimGender: 1, DimRegion: 0.5, DimMode: 0.5}
}

// Normalize fills the defaults and checks p. Defaults: kind balanced, measure
// time, weights group 1, gender 1, region 0.5, mode 0.5, max_passes
// DefaultMaxPasses and, for rotate, the NETmundialPattern. An empty weights map
// or pattern counts as unset, because JSON's omitempty cannot tell them apart.
// The error wraps ErrInvalidPolicy and lists every problem found. The result
// shares no map or slice with p or with the package defaults, and normalizing
// it again changes nothing.
func (p Policy) Normalize() (Policy, error) {
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	n := Policy{Kind: p.Kind, Measure: p.Measure, MaxPasses: p.MaxPasses, MaxWaitS: p.MaxWaitS}

	switch n.Kind {
	case "":
		n.Kind = PolicyBalanced
	case PolicyFIFO, PolicyRotate, PolicyBalanced:
	default:
		bad("unknown policy kind %q: use fifo, rotate or balanced", p.Kind)
	}

	switch n.Measure {
	case "":
		n.Measure = MeasureTime
	case MeasureTime, MeasureTurns:
	default:
		bad("unknown measure %q: use time or turns", p.Measure)
	}

	if len(p.Weights) == 0 {
		n.Weights = defaultWeights()
	} else {
		n.Weights = make(map[string]float64, len(p.Weights))
		for _, d := range sortedKeys(p.Weights) {
			w := p.Weights[d]
			switch {
			case d == "":
				bad("a weight has an empty dimension name: name it, e.g. group or gender")
			case math.IsNaN(w) || math.IsInf(w, 0):
				bad("weight for %s is %v: use a finite number", d, w)
			case w < 0:
				bad("weight for %s is %v: weights must be 0 (ignore the dimension) or more", d, w)
			}
			n.Weights[d] = w
		}
	}

	if len(p.Targets) > 0 {
		n.Targets = make(map[string]map[string]float64, len(p.Targets))
		for _, d := range sortedKeys(p.Targets) {
			if d == "" {
				bad("targets are given for an empty dimension name: name it, e.g. group or gender")
			}
			given := p.Targets[d]
			cp := make(map[string]float64, len(given))
			sum := 0.0
			for _, c := range sortedKeys(given) {
				t := given[c]
				switch {
				case c == "":
					bad("a target in %s has an empty category name", d)
				case c == Undisclosed:
					bad("%s in %s takes no target: it is counted, never balanced", c, d)
				case math.IsNaN(t) || t < 0 || t > 1:
					bad("target for %s in %s is %v: a target is a share from 0 to 1", c, d, t)
				}
				sum += t
				cp[c] = t
			}
			if sum > 1+targetEpsilon {
				bad("targets in %s add up to %.4g: together they must not exceed 1", d, sum)
			}
			n.Targets[d] = cp
		}
	}

	switch {
	case p.MaxPasses < 0:
		bad("max_passes is %d: use 0 for the default (%d) or a positive number", p.MaxPasses, DefaultMaxPasses)
	case p.MaxPasses == 0:
		n.MaxPasses = DefaultMaxPasses
	}

	if p.MaxWaitS < 0 {
		bad("max_wait_s is %d: use 0 to bound passes instead, or a number of seconds", p.MaxWaitS)
	}

	switch {
	case len(p.Pattern) > 0:
		n.Pattern = slices.Clone(p.Pattern)
		for i, s := range p.Pattern {
			if strings.TrimSpace(s) == "" {
				bad("pattern slot %d is empty: name a category such as civil-society or remote", i+1)
			}
		}
	case n.Kind == PolicyRotate:
		n.Pattern = slices.Clone(NETmundialPattern)
	}

	if len(problems) > 0 {
		return Policy{}, fmt.Errorf("%w: %s", ErrInvalidPolicy, strings.Join(problems, "; "))
	}
	return n, nil
}

// Presets returns the ready-made policies a chair can pick from, by name:
// "balanced" (the default), "fifo" and "netmundial" (rotate with
// NETmundialPattern). They are normalized, and fresh on every call.
func Presets() map[string]Policy {
	return map[string]Policy{
		"balanced":   preset(Policy{Kind: PolicyBalanced}),
		"fifo":       preset(Policy{Kind: PolicyFIFO}),
		"netmundial": preset(Policy{Kind: PolicyRotate, Pattern: NETmundialPattern}),
	}
}

func preset(p Policy) Policy {
	n, err := p.Normalize()
	if err != nil {
		panic("queue: built-in preset is invalid: " + err.Error())
	}
	return n
}

// sortedKeys gives map keys in a fixed order, so error messages and float sums
// come out the same on every node.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
