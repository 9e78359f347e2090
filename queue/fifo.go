package queue

// appendFIFO places speak requests, already in arrival order, as they came.
func appendFIFO(out []Entry, speak []Request) []Entry {
	for _, r := range speak {
		out = append(out, entry(r, Why{Code: WhyFIFO, AskedAt: r.RaisedAt}, -1))
	}
	return out
}
