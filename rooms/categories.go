package rooms

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/parley-hub/parley/queue"
)

// Categories are a room's balance dimensions and, for each, the categories
// a token may claim in it.
type Categories map[string][]string

// DefaultCategories are DESIGN.md's: the stakeholder groups (with
// intergovernmental organisations for meetings that want them), the UN
// regional groups, self-declared gender and the mode of taking part.
func DefaultCategories() Categories {
	return Categories{
		queue.DimGroup:  {"government", "private-sector", "civil-society", "technical-community", "academia", "intergovernmental"},
		queue.DimRegion: {"africa", "asia-pacific", "eastern-europe", "latin-america-caribbean", "western-europe-others"},
		queue.DimGender: {"woman", "man", "non-binary", queue.Undisclosed},
		queue.DimMode:   {ModeInRoom, ModeRemote, ModeHub},
	}
}

// MaxCategoryLen bounds a category's name, in a token or a room spec.
const MaxCategoryLen = 64

// aliases are spellings people and accreditation systems use for the
// default categories, in canonical form (see Canonical).
var aliases = map[string]string{
	"female": "woman", "f": "woman", "women": "woman",
	"male": "man", "m": "man", "men": "man",
	"nonbinary": "non-binary", "enby": "non-binary", "nb": "non-binary",
	"prefer-not-to-say": queue.Undisclosed, "not-disclosed": queue.Undisclosed, "undeclared": queue.Undisclosed,
	"governments": "government", "gov": "government",
	"business": "private-sector", "private": "private-sector", "industry": "private-sector",
	"civil-society-organisations": "civil-society", "civil-society-organizations": "civil-society", "cso": "civil-society", "ngo": "civil-society",
	"technical": "technical-community", "tech-community": "technical-community",
	"academic": "academia", "academics": "academia",
	"igo": "intergovernmental", "intergovernmental-organisations": "intergovernmental", "intergovernmental-organizations": "intergovernmental",
	"asia": "asia-pacific", "apac": "asia-pacific",
	"eeg":    "eastern-europe",
	"grulac": "latin-america-caribbean", "latin-america": "latin-america-caribbean", "latin-america-and-the-caribbean": "latin-america-caribbean",
	"weog": "western-europe-others", "western-europe-and-others": "western-europe-others", "western-europe": "western-europe-others",
	"onsite": "in-room", "on-site": "in-room", "in-person": "in-room",
	"online": "remote",
}

// Canonical is the spelling Parley keeps for a category: lower case, words
// joined by '-', and the default category a common alias stands for
// ("Civil Society" and "civil_society" are civil-society, "female" is
// woman).
func Canonical(value string) string {
	words := strings.FieldsFunc(strings.ToLower(value), func(r rune) bool {
		return r == ' ' || r == '_' || r == '-' || r == '\t'
	})
	c := strings.Join(words, "-")
	if a, ok := aliases[c]; ok {
		return a
	}
	return c
}

// Extend returns c with extra's categories added (canonical, each once),
// or an error wrapping ErrInvalid that names what is wrong.
func (c Categories) Extend(extra Categories) (Categories, error) {
	out := make(Categories, len(c)+len(extra))
	for d, cats := range c {
		out[d] = slices.Clone(cats)
	}
	for _, d := range slices.Sorted(maps.Keys(extra)) {
		dim := Canonical(d)
		if dim == "" || len(dim) > MaxCategoryLen {
			return nil, fmt.Errorf("%w: categories: dimension %q: name it with 1 to %d letters, e.g. group", ErrInvalid, d, MaxCategoryLen)
		}
		for _, v := range extra[d] {
			cat := Canonical(v)
			if cat == "" || len(cat) > MaxCategoryLen {
				return nil, fmt.Errorf("%w: categories: %s category %q: name it with 1 to %d letters", ErrInvalid, dim, v, MaxCategoryLen)
			}
			if !slices.Contains(out[dim], cat) {
				out[dim] = append(out[dim], cat)
			}
		}
	}
	return out, nil
}

// Check returns value's canonical spelling if it is one of dim's
// categories; otherwise an error wrapping ErrInvalid that names the claim
// and the values allowed. An empty value is no claim and passes.
func (c Categories) Check(dim, value string) (string, error) {
	if value == "" {
		return "", nil
	}
	allowed, known := c[dim]
	if !known {
		return value, nil // not a dimension this room balances on
	}
	if v := Canonical(value); slices.Contains(allowed, v) {
		return v, nil
	}
	return "", fmt.Errorf("%w: token claim %s %q is not a category of this room: use one of %s",
		ErrInvalid, dim, value, strings.Join(allowed, ", "))
}

// Admit returns p with its categories in canonical spelling, or the error
// of the first claim that is not one of c's categories.
func (c Categories) Admit(p Participant) (Participant, error) {
	for _, claim := range []struct {
		dim string
		v   *string
	}{{queue.DimGroup, &p.Group}, {queue.DimRegion, &p.Region}, {queue.DimGender, &p.Gender}, {queue.DimMode, &p.Mode}} {
		v, err := c.Check(claim.dim, *claim.v)
		if err != nil {
			return Participant{}, err
		}
		*claim.v = v
	}
	return p, nil
}
