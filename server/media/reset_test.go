package media

import (
	"encoding/json"
	"testing"

	"github.com/parley-hub/parley/rooms"
)

// A room reloaded after the store lost events starts its seqs again: the
// gate takes the floor from the reloaded room and follows the new log's
// events, instead of waiting for seqs past the old log's.
func TestTheGateFollowsARoomReloadedAfterALoss(t *testing.T) {
	r := newRoom(nil, "plenary")
	grant := func(seq uint64, sub string) {
		data, _ := json.Marshal(rooms.FloorGranted{Request: "r1", Speaker: rooms.Speaker{Sub: sub}})
		r.apply(rooms.Event{Seq: seq, Type: rooms.EvFloorGranted, Data: data})
	}
	grant(9, "amina")
	if !r.gate.Load().admits("amina") {
		t.Fatal("the floor granted to amina does not admit her")
	}
	r.restart(rooms.Snapshot{Room: "plenary", Seq: 2})
	if r.gate.Load().admits("amina") {
		t.Error("reloaded without a floor, the gate still admits amina")
	}
	grant(3, "carlos")
	if !r.gate.Load().admits("carlos") {
		t.Error("the reloaded log's grant at seq 3 does not reach the gate")
	}
}
