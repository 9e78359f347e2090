package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/protocol"
)

// Paging of the event log.
const (
	defaultEventPage = 1000
	maxEventPage     = 10000
)

func (s *Server) createRoom(w http.ResponseWriter, r *http.Request) {
	claims, err := s.verifier.Verify(auth.Bearer(r))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.allow(claims.Subject); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	spec, err := rooms.DecodeRoomSpec(body)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if !claims.Allows(spec.ID) {
		writeError(w, r, s.log, fmt.Errorf("%w: your token is for room %q", rooms.ErrForbidden, claims.Room))
		return
	}
	snap, err := s.rooms.Create(r.Context(), claims.Participant(), spec)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/rooms/"+spec.ID)
	writeJSON(w, http.StatusCreated, rooms.ViewOf(claims.Participant()).Snapshot(snap))
}

func (s *Server) snapshot(w http.ResponseWriter, r request) error {
	snap, err := s.rooms.Snapshot(r.Context(), r.room)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rooms.ViewOf(r.who).Snapshot(snap))
	return nil
}

func (s *Server) command(w http.ResponseWriter, r request) error {
	body, err := readBody(w, r.Request)
	if err != nil {
		return err
	}
	start := time.Now()
	cmd, err := rooms.DecodeCommand(body)
	if err != nil {
		s.commanded("", err, start)
		return err
	}
	res, err := s.rooms.Execute(r.Context(), r.room, r.who, cmd)
	s.commanded(cmd.Type, err, start)
	if errors.Is(err, rooms.ErrStale) {
		return s.stale(w, r, err)
	}
	if err != nil {
		return err
	}
	r.log.InfoContext(r.Context(), "command", "type", cmd.Type, "seq", res.Seq)
	res.Events = rooms.ViewOf(r.who).Events(res.Events)
	writeJSON(w, http.StatusOK, res)
	return nil
}

// staleAnswer refuses a command given against a state that has moved on,
// with the room as it is now, for the sender to look again.
type staleAnswer struct {
	Error    errorBody      `json:"error"`
	Snapshot rooms.Snapshot `json:"snapshot"`
}

func (s *Server) stale(w http.ResponseWriter, r request, cause error) error {
	snap, err := s.rooms.Snapshot(r.Context(), r.room)
	if err != nil {
		return err
	}
	p := describe(cause)
	writeJSON(w, p.status, staleAnswer{Error: p.body(), Snapshot: rooms.ViewOf(r.who).Snapshot(snap)})
	return nil
}

// eventPage is one page of the log; More says another page follows.
type eventPage struct {
	Room   string        `json:"room"`
	After  uint64        `json:"after"`
	Events []rooms.Event `json:"events"`
	More   bool          `json:"more"`
}

func (s *Server) events(w http.ResponseWriter, r request) error {
	q := r.URL.Query()
	after, err := uintParam(q.Get("after"), 0, "after")
	if err != nil {
		return err
	}
	limit, err := uintParam(q.Get("limit"), defaultEventPage, "limit")
	if err != nil {
		return err
	}
	limit = min(max(limit, 1), maxEventPage)
	evs, err := s.rooms.Events(r.Context(), r.room, after, int(limit)+1)
	if err != nil {
		return err
	}
	evs = rooms.ViewOf(r.who).Events(evs)
	page := eventPage{Room: r.room, After: after, Events: evs, More: len(evs) > int(limit)}
	if page.More {
		page.Events = evs[:limit]
	}
	if page.Events == nil {
		page.Events = []rooms.Event{}
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func uintParam(v string, def uint64, name string) (uint64, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s must be a whole number, not %q", rooms.ErrInvalid, name, v)
	}
	return n, nil
}

func (s *Server) interventions(w http.ResponseWriter, r request) error {
	if acceptsCSV(r.Request) {
		return s.interventionsCSV(w, r)
	}
	list, err := s.interventionList(r)
	if err != nil {
		return err
	}
	lang := r.URL.Query().Get("transcript")
	if lang == "" {
		writeJSON(w, http.StatusOK, list)
		return nil
	}
	// Each turn with what was said in it, so "what did civil society say
	// under item 2" is one request.
	var segs []rooms.Segment
	if err := s.transcripts.View(r.Context(), r.room, lang, func(c *rooms.Channel) { segs = c.Segments(0, 0) }); err != nil {
		return err
	}
	byRequest := map[string][]rooms.Segment{}
	for _, seg := range segs {
		if seg.Request != "" {
			byRequest[seg.Request] = append(byRequest[seg.Request], seg)
		}
	}
	out := make([]spokenIntervention, len(list))
	for i, iv := range list {
		out[i] = spokenIntervention{Intervention: iv, Transcript: byRequest[iv.Request]}
		if out[i].Transcript == nil {
			out[i].Transcript = []rooms.Segment{}
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// spokenIntervention is a turn with the transcript segments spoken in it.
type spokenIntervention struct {
	rooms.Intervention
	Transcript []rooms.Segment `json:"transcript"`
}

func (s *Server) interventionsCSV(w http.ResponseWriter, r request) error {
	list, err := s.interventionList(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-interventions.csv"`, r.room))
	return writeInterventionsCSV(w, list)
}

// interventionFilters are the query parameters that select turns, each
// matched exactly against the turn's field.
var interventionFilters = map[string]func(rooms.Intervention) string{
	"sub":         func(iv rooms.Intervention) string { return iv.Sub },
	"group":       func(iv rooms.Intervention) string { return iv.Group },
	"region":      func(iv rooms.Intervention) string { return iv.Region },
	"gender":      func(iv rooms.Intervention) string { return iv.Gender },
	"mode":        func(iv rooms.Intervention) string { return iv.Mode },
	"hub":         func(iv rooms.Intervention) string { return iv.Hub },
	"agenda_item": func(iv rooms.Intervention) string { return iv.AgendaItem },
}

// interventionList is the record as the reader may see it, narrowed by the
// request's filters: a filter matches only what the reader may see, so
// ?gender= finds nobody's turns but the reader's own unless they chair.
func (s *Server) interventionList(r request) ([]rooms.Intervention, error) {
	var all []rooms.Intervention
	if err := s.rooms.View(r.Context(), r.room, func(st *rooms.State) { all = st.Interventions() }); err != nil {
		return nil, err
	}
	all = rooms.ViewOf(r.who).Interventions(all)
	q := r.URL.Query()
	list := []rooms.Intervention{}
	for _, iv := range all {
		keep := true
		for param, field := range interventionFilters {
			if want := q.Get(param); want != "" && field(iv) != want {
				keep = false
			}
		}
		if keep {
			list = append(list, iv)
		}
	}
	return list, nil
}

// balanceAnswer is the room's figures, or one agenda item's with
// ?agenda_item=, and the items there are figures for.
type balanceAnswer struct {
	rooms.Balance
	AgendaItem  *string  `json:"agenda_item,omitempty"`
	AgendaItems []string `json:"agenda_items"`
}

func (s *Server) balance(w http.ResponseWriter, r request) error {
	var b balanceAnswer
	q := r.URL.Query()
	err := s.rooms.View(r.Context(), r.room, func(st *rooms.State) {
		b.AgendaItems = st.AgendaItems()
		if q.Has("agenda_item") {
			item := q.Get("agenda_item")
			b.Balance, b.AgendaItem = st.BalanceFor(item, time.Now()), &item
			return
		}
		b.Balance = st.Balance(time.Now())
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

// WhoAmI is a token's holder as the room takes them, and until when the
// token holds (omitted: it does not expire). A relay asks it for the
// tokens of its hub's members that the main server issued, which it cannot
// check itself.
type WhoAmI struct {
	You     protocol.You `json:"you"`
	Expires *time.Time   `json:"expires,omitempty"`
}

func (s *Server) whoAmI(w http.ResponseWriter, r request) error {
	var who rooms.Participant
	var admit error
	if err := s.rooms.View(r.Context(), r.room, func(st *rooms.State) { who, admit = st.Categories.Admit(r.who) }); err != nil {
		return err
	}
	if admit != nil {
		return admit
	}
	me := WhoAmI{You: protocol.You{Speaker: who.Speaker(), Role: who.Role, Lang: who.Lang}}
	if r.claims.ExpiresAt != nil {
		me.Expires = &r.claims.ExpiresAt.Time
	}
	writeJSON(w, http.StatusOK, me)
	return nil
}

// defaultTrendEvery is the trend's step unless ?every_s= says otherwise.
const defaultTrendEvery = 10 * time.Minute

func (s *Server) balanceTrend(w http.ResponseWriter, r request) error {
	q := r.URL.Query()
	dim := q.Get("dimension")
	if dim == "" {
		dim = "group"
	}
	// A step of ten minutes may hold one turn: the gender trend would say
	// that speaker's declared gender, which only the chair may see.
	if dim == queue.DimGender && !rooms.ViewOf(r.who).Full() {
		return &rooms.Refusal{Kind: rooms.ErrForbidden, Reason: "gender_trend", Params: map[string]any{"dimension": dim},
			Text: "the trend of declared gender is for the chair only: a step may hold one speaker"}
	}
	every, err := uintParam(q.Get("every_s"), uint64(defaultTrendEvery/time.Second), "every_s")
	if err != nil {
		return err
	}
	var tr rooms.Trend
	err = s.rooms.View(r.Context(), r.room, func(st *rooms.State) {
		tr = st.Trend(dim, time.Duration(min(every, 24*3600))*time.Second, time.Now())
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tr)
	return nil
}
