package queue_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parley-hub/parley/queue"
)

func TestNormalizeFillsDefaults(t *testing.T) {
	got, err := queue.Policy{}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := queue.Policy{
		Kind:      queue.PolicyBalanced,
		Measure:   queue.MeasureTime,
		Weights:   map[string]float64{"group": 1, "gender": 1, "region": 0.5, "mode": 0.5},
		MaxPasses: queue.DefaultMaxPasses,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("zero policy normalized to %+v, want %+v", got, want)
	}

	rot, err := queue.Policy{Kind: queue.PolicyRotate}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rot.Pattern, queue.NETmundialPattern) {
		t.Errorf("rotate without a pattern got %v, want NETmundial's %v", rot.Pattern, queue.NETmundialPattern)
	}
	rot.Pattern[0] = "changed"
	rot.Weights["group"] = 9
	if queue.NETmundialPattern[0] != "government" {
		t.Error("changing a normalized pattern changed NETmundialPattern")
	}
	if again, _ := (queue.Policy{}).Normalize(); again.Weights["group"] != 1 {
		t.Error("changing normalized weights changed the defaults")
	}
}

func TestNormalizeKeepsWhatIsGiven(t *testing.T) {
	p := queue.Policy{
		Kind:      queue.PolicyRotate,
		Measure:   queue.MeasureTurns,
		Weights:   map[string]float64{"group": 2, "gender": 0},
		Targets:   map[string]map[string]float64{"group": {"civil-society": 0.3}},
		MaxPasses: 4,
		MaxWaitS:  5400,
		Pattern:   []string{"civil-society", "remote"},
	}
	got, err := p.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("normalized %+v to %+v", p, got)
	}
	got.Targets["group"]["civil-society"] = 0.9
	if p.Targets["group"]["civil-society"] != 0.3 {
		t.Error("the normalized policy shares its targets with the input")
	}
}

func TestNormalizeIsStableThroughJSON(t *testing.T) {
	for _, p := range []queue.Policy{
		{},
		{Kind: queue.PolicyRotate},
		{Kind: queue.PolicyFIFO, Weights: map[string]float64{}, Pattern: []string{}},
		{Targets: map[string]map[string]float64{"gender": {"woman": 0.5, "man": 0.5}}, MaxPasses: 3},
	} {
		n, err := p.Normalize()
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		twice, err := n.Normalize()
		if err != nil || !reflect.DeepEqual(twice, n) {
			t.Errorf("normalizing %+v again gave %+v, %v", n, twice, err)
		}
		b, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		var back queue.Policy
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back, err = back.Normalize(); err != nil || !reflect.DeepEqual(back, n) {
			t.Errorf("%s normalized to %+v, %v; want %+v", b, back, err, n)
		}
	}
}

func TestNormalizeRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    queue.Policy
		want string
	}{
		{"unknown kind", queue.Policy{Kind: "lifo"}, `unknown policy kind "lifo": use fifo, rotate or balanced`},
		{"unknown measure", queue.Policy{Measure: "minutes"}, `unknown measure "minutes": use time or turns`},
		{"negative weight", queue.Policy{Weights: map[string]float64{"group": -1}}, "weight for group is -1: weights must be 0 (ignore the dimension) or more"},
		{"NaN weight", queue.Policy{Weights: map[string]float64{"gender": math.NaN()}}, "weight for gender is NaN: use a finite number"},
		{"infinite weight", queue.Policy{Weights: map[string]float64{"gender": math.Inf(1)}}, "weight for gender is +Inf: use a finite number"},
		{"unnamed weight", queue.Policy{Weights: map[string]float64{"": 1}}, "a weight has an empty dimension name"},
		{"target above 1", queue.Policy{Targets: map[string]map[string]float64{"group": {"academia": 1.5}}}, "target for academia in group is 1.5: a target is a share from 0 to 1"},
		{"negative target", queue.Policy{Targets: map[string]map[string]float64{"group": {"academia": -0.1}}}, "target for academia in group is -0.1"},
		{"NaN target", queue.Policy{Targets: map[string]map[string]float64{"group": {"academia": math.NaN()}}}, "target for academia in group is NaN"},
		{"targets over 1", queue.Policy{Targets: map[string]map[string]float64{"gender": {"woman": 0.6, "man": 0.5}}}, "targets in gender add up to 1.1: together they must not exceed 1"},
		{"undisclosed target", queue.Policy{Targets: map[string]map[string]float64{"gender": {"undisclosed": 0.2}}}, "undisclosed in gender takes no target"},
		{"unnamed target category", queue.Policy{Targets: map[string]map[string]float64{"gender": {"": 0.5}}}, "a target in gender has an empty category name"},
		{"unnamed target dimension", queue.Policy{Targets: map[string]map[string]float64{"": {"woman": 0.5}}}, "targets are given for an empty dimension name"},
		{"negative max passes", queue.Policy{MaxPasses: -2}, "max_passes is -2: use 0 for the default (20) or a positive number"},
		{"negative max wait", queue.Policy{MaxWaitS: -60}, "max_wait_s is -60: use 0 to bound passes instead, or a number of seconds"},
		{"blank slot", queue.Policy{Kind: queue.PolicyRotate, Pattern: []string{"civil-society", " "}}, "pattern slot 2 is empty: name a category such as civil-society or remote"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.p.Normalize()
			if !errors.Is(err, queue.ErrInvalidPolicy) {
				t.Fatalf("got %v, want an error wrapping ErrInvalidPolicy", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestNormalizeListsEveryProblem(t *testing.T) {
	_, err := queue.Policy{Kind: "lifo", Measure: "minutes", MaxPasses: -1}.Normalize()
	want := `invalid queue policy: unknown policy kind "lifo": use fifo, rotate or balanced; ` +
		`unknown measure "minutes": use time or turns; max_passes is -1: use 0 for the default (20) or a positive number`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestNormalizeAcceptsTargetsThatRoundToOne(t *testing.T) {
	third := 1.0 / 3
	p := queue.Policy{Targets: map[string]map[string]float64{"group": {"government": third, "civil-society": third, "academia": third}}}
	if _, err := p.Normalize(); err != nil {
		t.Error(err)
	}
}

func TestPresets(t *testing.T) {
	ps := queue.Presets()
	for _, name := range []string{"balanced", "fifo", "netmundial"} {
		p, ok := ps[name]
		if !ok {
			t.Fatalf("no preset %q", name)
		}
		if n, err := p.Normalize(); err != nil || !reflect.DeepEqual(n, p) {
			t.Errorf("preset %q is not normalized: %+v, %v", name, n, err)
		}
	}
	if ps["netmundial"].Kind != queue.PolicyRotate || !slices.Equal(ps["netmundial"].Pattern, queue.NETmundialPattern) {
		t.Errorf("netmundial preset is %+v", ps["netmundial"])
	}
	ps["netmundial"].Pattern[0] = "changed"
	if queue.Presets()["netmundial"].Pattern[0] != "government" {
		t.Error("presets share their pattern between calls")
	}
}
