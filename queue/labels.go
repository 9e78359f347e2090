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

const (
	reasonPointOfOrder = "point of order: taken before other speakers"
	reasonReply        = "reply: taken after points of order"
	reasonNoSlot       = "rotation: no slot in the pattern fits this speaker, so after the rotation"
	reasonTie          = "balanced: tie broken by waiting time"
	reasonAlone        = "balanced: in waiting order, nobody from other categories is waiting"
	reasonBelowTarget  = "balanced: furthest below its target shares"
)

func fifoReason(r Request) string {
	return "first come, first served: asked at " + r.RaisedAt.UTC().Format(time.TimeOnly) + " UTC"
}

func rotationReason(round, slot, slots int, name string) string {
	return fmt.Sprintf("rotation: round %d, slot %d of %d, %s", round, slot+1, slots, slotLabel(name))
}

func overdueReason(passes int) string {
	if passes == 1 {
		return "waited while 1 later request was called: taken next"
	}
	return fmt.Sprintf("waited while %d later requests were called: taken next", passes)
}

// shareReason reads e.g. "civil society has had 12% of speaking time against
// a 20% target". Figures projected past the requests ahead read "will have
// had": they count those requests' turns, which have not happened yet.
func shareReason(category, measure string, share, target float64, projected bool) string {
	return Label(category) + " " + verb(category, projected) + " " + shareFigures(measure, share, target)
}

// beforeReason explains a pick by the category of the request it overtook,
// when that is where the difference lies: "taken before men, who have had 75%
// of turns against a 50% target".
func beforeReason(category, measure string, share, target float64, projected bool) string {
	return "taken before " + Label(category) + ", who " + verb(category, projected) + " " + shareFigures(measure, share, target)
}

func verb(category string, projected bool) string {
	switch {
	case projected:
		return "will have had"
	case labels[category].plural:
		return "have had"
	default:
		return "has had"
	}
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

func percent(x float64, decimals int) string {
	return fmt.Sprintf("%.*f%%", decimals, x*100)
}
