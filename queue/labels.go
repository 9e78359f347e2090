package queue

import (
	"fmt"
	"time"
)

// label is how a category reads in a sentence; plural picks "have had" over
// "has had".
type label struct {
	text   string
	plural bool
}

// labels covers the default categories of DESIGN.md. Rooms may configure
// others; those print as they are.
var labels = map[string]label{
	"government":              {"government", false},
	"private-sector":          {"private sector", false},
	"civil-society":           {"civil society", false},
	"technical-community":     {"technical community", false},
	"academia":                {"academia", false},
	"intergovernmental":       {"intergovernmental organisations", true},
	"africa":                  {"Africa", false},
	"asia-pacific":            {"Asia-Pacific", false},
	"eastern-europe":          {"Eastern Europe", false},
	"latin-america-caribbean": {"Latin America and the Caribbean", false},
	"western-europe-others":   {"Western Europe and others", false},
	"woman":                   {"women", true},
	"man":                     {"men", true},
	"non-binary":              {"non-binary speakers", true},
	"undisclosed":             {"speakers of undisclosed gender", true},
	"in-room":                 {"in-room participants", true},
	"remote":                  {"remote participants", true},
	"hub":                     {"hubs", true},
}

// slotLabels names the rotation slots that stand for more than one category
// (see slotAliases).
var slotLabels = map[string]string{
	"government":         "governments and intergovernmental organisations",
	"academic-technical": "academia and technical community",
	"remote":             "remote participants and hubs",
}

// Label returns how a category reads for a person, e.g. "civil society" for
// civil-society or "women" for woman. Unknown categories come back unchanged.
func Label(category string) string {
	if l, ok := labels[category]; ok {
		return l.text
	}
	return category
}

func slotLabel(slot string) string {
	if s, ok := slotLabels[slot]; ok {
		return s
	}
	return Label(slot)
}

// Why is why a request stands where it does, as a code and figures, so a
// page can say it in the reader's language; Text says it in English. Which
// fields a code uses is listed with the codes; figures absent in JSON are 0.
type Why struct {
	Code     string    `json:"code"`
	AskedAt  time.Time `json:"asked_at,omitzero"`
	Round    int       `json:"round,omitempty"`
	Slot     int       `json:"slot,omitempty"` // from 1
	Slots    int       `json:"slots,omitempty"`
	Passes   int       `json:"passes,omitempty"`
	MaxWaitS int       `json:"max_wait_s,omitempty"`
	Category string    `json:"category,omitempty"`
	// Dimension is the one Category belongs to, for balance reasons.
	Dimension string  `json:"dimension,omitempty"`
	Measure   string  `json:"measure,omitempty"`
	Share     float64 `json:"share,omitempty"`  // 0..1
	Target    float64 `json:"target,omitempty"` // 0..1
	// Ahead counts the requests before this one that the reason is about.
	Ahead int `json:"ahead,omitempty"`
	// Note is the chair's own words, for reasons the chair gave.
	Note string `json:"note,omitempty"`
}

// Reason codes, with the fields each uses. Each says, in the present tense,
// why a request stands where it does relative to those ahead of it; the
// figures are the record's as it is now.
const (
	WhyPointOfOrder = "point_of_order"
	WhyReply        = "reply"
	WhyFIFO         = "fifo"     // AskedAt: everyone ahead asked earlier
	WhyRotation     = "rotation" // Round, Slot, Slots, Category (a slot name)
	WhyNoSlot       = "no_slot"
	WhyOverdue      = "overdue" // Passes: passed over the most times allowed, so nobody more goes ahead
	WhyDue          = "due"     // AskedAt, MaxWaitS: the earliest request; the next in balance would keep someone raised before it waiting longer than MaxWaitS
	WhyWaiting      = "waiting" // Ahead: those ahead all asked earlier
	WhyShare        = "share"   // Category, Dimension, Measure, Share, Target: first, ahead of earlier requests, as its category is below target
	WhyBefore       = "before"  // the same, of the category of an earlier request it goes before, which is above target
	WhyAfter        = "after"   // Ahead: that many later requests go first; Category...Target show why:
	// a category of theirs below its target, or this request's own above it; without them, the bound placed
	// them: overdue, or due when MaxWaitS is set
	WhyMoved   = "moved"   // Note: the chair placed it here
	WhySkipped = "skipped" // Note: the chair passed it over once
	// WhyBelowTarget says a balance reason without its category, for
	// readers who may not see whose category it is.
	WhyBelowTarget = "below_target"
)

// ReasonCodes lists every code a Why may carry, so pages and their
// catalogues can be held to saying each one.
var ReasonCodes = []string{
	WhyPointOfOrder, WhyReply, WhyFIFO, WhyRotation, WhyNoSlot, WhyOverdue, WhyDue,
	WhyWaiting, WhyShare, WhyBefore, WhyAfter, WhyMoved, WhySkipped, WhyBelowTarget,
}

// Text says why in English, e.g. "civil society has had 12% of speaking
// time against a 20% target".
func (w Why) Text() string {
	switch w.Code {
	case WhyPointOfOrder:
		return "point of order: taken before other speakers"
	case WhyReply:
		return "reply: taken after points of order"
	case WhyNoSlot:
		return "rotation: no slot in the pattern fits this speaker, so after the rotation"
	case WhyBelowTarget:
		return "balanced: placed by how far its categories and those around it stand from their targets"
	case WhyFIFO:
		return "first come, first served: asked at " + w.AskedAt.UTC().Format(time.TimeOnly) + " UTC"
	case WhyRotation:
		return fmt.Sprintf("rotation: round %d, slot %d of %d, %s", w.Round, w.Slot, w.Slots, slotLabel(w.Category))
	case WhyOverdue:
		if w.Passes == 1 {
			return "passed over once, the most allowed: nobody more goes ahead"
		}
		return fmt.Sprintf("passed over %d times, the most allowed: nobody more goes ahead", w.Passes)
	case WhyDue:
		return "asked at " + w.AskedAt.UTC().Format(time.TimeOnly) + " UTC, the earliest waiting: the next in balance would keep someone waiting more than " + minutes(w.MaxWaitS)
	case WhyWaiting:
		switch w.Ahead {
		case 0:
			return "nobody waiting asked earlier"
		case 1:
			return "behind 1 request made earlier"
		}
		return fmt.Sprintf("behind %d requests made earlier", w.Ahead)
	case WhyShare:
		return Label(w.Category) + " " + verb(w.Category) + " " + shareFigures(w.Measure, w.Share, w.Target)
	case WhyBefore:
		// "taken before men, who have had 75% of turns against a 50% target"
		return "taken before " + Label(w.Category) + ", who " + verb(w.Category) + " " + shareFigures(w.Measure, w.Share, w.Target)
	case WhyAfter:
		later := "1 later request goes first"
		if w.Ahead != 1 {
			later = fmt.Sprintf("%d later requests go first", w.Ahead)
		}
		switch {
		case w.Category == "" && w.MaxWaitS > 0:
			return later + ": due, or someone would wait more than " + minutes(w.MaxWaitS)
		case w.Category == "":
			return later + ": passed over the most times allowed"
		}
		return later + ": " + Label(w.Category) + " " + verb(w.Category) + " " + shareFigures(w.Measure, w.Share, w.Target)
	case WhyMoved:
		return "moved by the chair: " + w.Note
	case WhySkipped:
		return "passed over once by the chair: " + w.Note
	}
	return w.Code
}

func verb(category string) string {
	if labels[category].plural {
		return "have had"
	}
	return "has had"
}

func shareFigures(measure string, share, target float64) string {
	of := "of speaking time"
	if measure == MeasureTurns {
		of = "of turns"
	}
	s, t := percent(share, 0), percent(target, 0)
	if s == t && share != target {
		// "20% against a 20% target" would explain nothing.
		s, t = percent(share, 1), percent(target, 1)
	}
	return fmt.Sprintf("%s %s against a %s target", s, of, t)
}

// minutes says a wait bound in minutes, with a decimal only when needed.
func minutes(seconds int) string {
	if seconds%60 == 0 {
		return fmt.Sprintf("%d minutes", seconds/60)
	}
	return fmt.Sprintf("%.1f minutes", float64(seconds)/60)
}

func percent(x float64, decimals int) string {
	return fmt.Sprintf("%.*f%%", decimals, x*100)
}
