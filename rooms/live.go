package rooms

import (
	"slices"
	"time"
)

// Snapshot keys that an event can change; a live client replaces each key an
// event message carries.
const (
	KeyFloor          = "floor"
	KeyQueue          = "queue"
	KeyBalance        = "balance"
	KeyTitle          = "title"
	KeyAgendaItem     = "agenda_item"
	KeyListOpen       = "list_open"
	KeyClosed         = "closed"
	KeyPolicy         = "policy"
	KeyTimeLimit      = "time_limit_s"
	KeyLanguages      = "languages"
	KeyInterpretation = "interpretation"
	KeyHubQueue       = "hub_queue"
	KeyWarning        = "warning_s"
)

// changedKeys lists, per event type, the snapshot keys it changes. The queue
// and balance move with the record as well as with the requests, because the
// balanced policy's order and reasons depend on who has spoken.
var changedKeys = map[string][]string{
	EvRoomCreated:           {KeyTitle, KeyPolicy, KeyTimeLimit, KeyListOpen, KeyQueue, KeyBalance},
	EvHandRaised:            {KeyQueue, KeyBalance, KeyHubQueue},
	EvHubHandRaised:         {KeyHubQueue},
	EvHubHandWithdrawn:      {KeyHubQueue},
	EvHandWithdrawn:         {KeyQueue},
	EvRequestMoved:          {KeyQueue},
	EvRequestSkipped:        {KeyQueue},
	EvRequestRemoved:        {KeyQueue},
	EvFloorGranted:          {KeyFloor, KeyQueue, KeyBalance},
	EvFloorReleased:         {KeyFloor, KeyQueue, KeyBalance},
	EvFloorPaused:           {KeyFloor, KeyBalance},
	EvFloorResumed:          {KeyFloor, KeyBalance},
	EvFloorExtended:         {KeyFloor},
	EvTimeLimitSet:          {KeyTimeLimit},
	EvPolicySet:             {KeyPolicy, KeyQueue, KeyBalance},
	EvListClosed:            {KeyListOpen},
	EvListOpened:            {KeyListOpen},
	EvAgendaItemSet:         {KeyAgendaItem},
	EvRoomClosed:            {KeyClosed, KeyListOpen, KeyFloor, KeyInterpretation},
	EvLanguageAdded:         {KeyLanguages},
	EvInterpretationStarted: {KeyInterpretation},
	EvInterpretationStopped: {KeyInterpretation},
	EvUndone:                {KeyFloor, KeyQueue, KeyBalance},
	EvWarningSet:            {KeyWarning, KeyFloor},
}

// Changes returns the parts of the snapshot that event type typ changed, as
// of now, keyed as in the snapshot's JSON.
func (s *State) Changes(typ string, now time.Time) map[string]any {
	keys := changedKeys[typ]
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		switch k {
		case KeyFloor:
			if s.floor != nil {
				out[k] = s.floor.view(now)
			} else {
				out[k] = nil
			}
		case KeyQueue:
			out[k] = s.Queue()
		case KeyBalance:
			out[k] = s.Balance(now)
		case KeyTitle:
			out[k] = s.Title
		case KeyAgendaItem:
			out[k] = s.AgendaItem
		case KeyListOpen:
			out[k] = s.ListOpen
		case KeyClosed:
			out[k] = s.Closed
		case KeyPolicy:
			out[k] = s.Policy
		case KeyTimeLimit:
			out[k] = s.TimeLimit.Seconds()
		case KeyLanguages:
			out[k] = slices.Clone(s.Languages)
		case KeyHubQueue:
			out[k] = s.HubQueue()
		case KeyInterpretation:
			out[k] = s.interpretation()
		case KeyWarning:
			out[k] = s.warning().Seconds()
		}
	}
	return out
}
