package rooms

import (
	"fmt"
	"time"
)

// CmdSetWarning sets how long before the end of a turn screens warn the
// speaker.
const CmdSetWarning = "set_warning"

// EvWarningSet records the warning time (Seconds).
const EvWarningSet = "warning_set"

// DefaultWarning is the warning time of a room that sets none.
const DefaultWarning = 30 * time.Second

// warnBefore is the warning time a turn of allowed length shows: the room's
// (DefaultWarning when unset), never more than a third of the turn, so a
// short turn is not all warning.
func warnBefore(room, allowed time.Duration) time.Duration {
	if room == 0 {
		room = DefaultWarning
	}
	return min(room, allowed/3)
}

// setWarning decides set_warning: at most a third of the time limit.
func (d decision) setWarning(cmd Command) ([]Event, error) {
	if limit := d.TimeLimit; seconds(cmd.Seconds)*3 > limit {
		return nil, fmt.Errorf("%w: the warning can be at most a third of the time limit (%g seconds of %g)", ErrInvalid, (limit / 3).Seconds(), limit.Seconds())
	}
	return d.events(EvWarningSet, Seconds{Seconds: cmd.Seconds}), nil
}

// Extended is a floor_extended event's data: Seconds added to the turn
// and, for an extension "from now", the time the speaker was given from
// then (FromNowS), which Seconds makes up whatever the overrun.
type Extended struct {
	Seconds  float64 `json:"seconds"`
	FromNowS float64 `json:"from_now_s,omitempty"`
}

// extend decides extend: Seconds more (DefaultExtendSeconds when 0) or,
// with FromNow, Seconds left from now.
func (d decision) extend(cmd Command) ([]Event, error) {
	f := d.floor
	if f == nil {
		return nil, refuse(ErrState, "floor_free", nil, "nobody holds the floor")
	}
	if !cmd.FromNow {
		secs := cmd.Seconds
		if secs == 0 {
			secs = DefaultExtendSeconds
		}
		return d.events(EvFloorExtended, Extended{Seconds: secs}), nil
	}
	left := f.allowed() - f.elapsed(d.now)
	add := seconds(cmd.Seconds) - left
	if add <= 0 {
		return nil, fmt.Errorf("%w: %s has %d seconds left, more than %g; extend instead", ErrState, f.Speaker.Name, int(left.Seconds()), cmd.Seconds)
	}
	return d.events(EvFloorExtended, Extended{Seconds: add.Seconds(), FromNowS: cmd.Seconds}), nil
}

// warning is the room's warning time.
func (s *State) warning() time.Duration {
	if s.Warning == 0 {
		return DefaultWarning
	}
	return s.Warning
}
