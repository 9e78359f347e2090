package export_test

import (
	"time"

	"github.com/parley-hub/parley/rooms"
)

// sessionStart is the opening of NETmundial, São Paulo, 23 April 2014.
var sessionStart = time.Date(2014, 4, 23, 12, 0, 0, 0, time.UTC)

var (
	amina = &rooms.Speaker{Sub: "u-amina", Name: "Amina Diallo", Group: "civil-society", Region: "africa", Gender: "woman", Mode: "remote"}
	joao  = &rooms.Speaker{Sub: "u-joao", Name: "João Carlos Pereira", Group: "government", Region: "latin-america-caribbean", Mode: "in-room"}
	layla = &rooms.Speaker{Sub: "u-layla", Name: "ليلى حداد", Group: "academia", Region: "asia-pacific", Mode: "hub", Hub: "amman"}
	wei   = &rooms.Speaker{Sub: "u-wei", Name: "王伟", Group: "technical-community", Region: "asia-pacific", Mode: "remote"}
	// unnamed has a token without a name: the record names them by subject.
	unnamed = &rooms.Speaker{Sub: "u-7f3a", Mode: "remote"}
)

// at is the instant d after the session start.
func at(d time.Duration) time.Time { return sessionStart.Add(d) }

func hms(h, m, s int) time.Duration {
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
}

// plenary is a floor channel as the room holds it: finished lines (one cut
// short as the floor changed hands), the one the captioner is still
// writing, text that needs escaping, long lines and scripts other than
// Latin.
func plenary() []rooms.Segment {
	segs := []rooms.Segment{
		{ID: 3, Text: "Good morning. Please take your seats; the session will begin shortly.",
			Final: true, Start: at(-30 * time.Second), Updated: at(4 * time.Second)},
		{ID: 5, Text: "Thank you, Chair. Civil society welcomes the roadmap & asks that remote <hubs> be heard.",
			Final: true, Start: at(hms(0, 12, 5)), Updated: at(hms(0, 12, 20)), Speaker: amina, Request: "r-41", AgendaItem: "roadmap"},
		{ID: 6, Text: "The multistakeholder model --> works only when every stakeholder group, in every region, " +
			"can take the floor on an equal footing, whether they are in São Paulo or following from a hub " +
			"in Nairobi, Dhaka or Bogotá, and the record should show it.",
			Final: true, Start: at(hms(0, 12, 20)), Updated: at(hms(0, 12, 51)), Speaker: amina, Request: "r-41", AgendaItem: "roadmap"},
		{ID: 8, Text: "Obrigado, senhora Pre", Final: true, Start: at(hms(0, 12, 52)), Updated: at(hms(0, 12, 53)), Speaker: joao},
		{ID: 9, Text: "Obrigado. A participação remota é essencial para a governança da Internet.",
			Final: true, Start: at(hms(0, 12, 55)), Updated: at(hms(0, 13, 10)), Speaker: joao, Request: "r-42", AgendaItem: "roadmap"},
		{ID: 11, Text: "شكرا سيدي الرئيس. نحن ندعم مبادئ الحوكمة متعددة أصحاب المصلحة.",
			Final: true, Start: at(hms(0, 13, 30)), Updated: at(hms(0, 13, 41)), Speaker: layla, Request: "r-43", AgendaItem: "principles"},
		{ID: 12, Text: "感谢主席。我们支持多利益相关方模式，并希望远程参与者能够平等发言。互联网治理需要所有利益相关方的共同参与和持续对话。",
			Final: true, Start: at(hms(0, 14, 2)), Updated: at(hms(0, 14, 20)), Speaker: wei, Request: "r-44", AgendaItem: "principles"},
		{ID: 13, Text: "Is 2 < 3 && 4 > 1? A point of order on the timer.",
			Final: true, Start: at(hms(0, 14, 25)), Updated: at(hms(0, 14, 25)), Speaker: unnamed, Request: "r-45"},
		{ID: 14, Text: "[Applause]", Final: true, Corrected: true,
			Start: at(hms(0, 14, 30)), Updated: at(hms(0, 20, 0))},
		{ID: 15, Text: "   ", Final: true, Start: at(hms(0, 14, 40)), Updated: at(hms(0, 14, 41))},
		{ID: 16, Text: "I would like to add", Start: at(hms(0, 15, 0)), Updated: at(hms(0, 15, 2)), Speaker: amina},
	}
	for i := range segs {
		segs[i].Lang = rooms.FloorLanguage
	}
	return segs
}

// onRecord are the IDs of plenary's segments that belong in the record:
// those with text, the line still being written (16) too.
var onRecord = []uint64{3, 5, 6, 8, 9, 11, 12, 13, 14, 16}
