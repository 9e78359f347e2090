package queue

// appendFIFO places speak requests, already in arrival order, as they came.
func appendFIFO(out []Entry, speak []Request) []Entry {
	for _, r := range speak {
		out = append(out, Entry{Request: r, Reason: fifoReason(r), Slot: -1})
	}
	return out
}
