package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-hub/parley/rooms"
)

// Events returns the observer that counts the room events folded in; give
// it to rooms.Service.Subscribe.
func (m *Metrics) Events() rooms.Observer { return eventCounter{m.events} }

// eventCounter counts, as rooms.Observer's contract asks, quickly.
type eventCounter struct{ n prometheus.Counter }

func (c eventCounter) Applied(string, rooms.Event, *rooms.State) { c.n.Inc() }

// Reset counts nothing: a reload after a loss folds in no new event.
func (c eventCounter) Reset(string, *rooms.State) {}

// Loaded is what the rooms in memory are read from (rooms.Service).
type Loaded interface {
	// Loaded is how many rooms this node holds in memory now.
	Loaded() int
}

// WatchRooms has parley_rooms_loaded read from rooms at each scrape.
func (m *Metrics) WatchRooms(rooms Loaded) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "parley_rooms_loaded", Help: "Rooms whose state this node holds in memory now.",
	}, func() float64 { return float64(rooms.Loaded()) }))
}

// MediaCounts are the media plane's figures (media.Stats has the same
// fields, so the caller converts one to the other).
type MediaCounts struct {
	// Publishers and Subscribers are the WHIP and WHEP sessions open now.
	Publishers, Subscribers int
	// Forwarded is the RTP packets written to subscribers' tracks, one per
	// subscriber, since the process started; Lost those the subscribers'
	// receiver reports say never arrived, after retransmissions.
	Forwarded, Lost uint64
}

// WatchMedia has the media series read from counts at each scrape.
func (m *Metrics) WatchMedia(counts func() MediaCounts) {
	m.reg.MustRegister(mediaCollector{counts})
}

var (
	peerConnections = prometheus.NewDesc("parley_media_peer_connections",
		"Media sessions (WebRTC peer connections) open now, by kind: publisher (WHIP) or subscriber (WHEP).", []string{"kind"}, nil)
	rtpForwarded = prometheus.NewDesc("parley_media_rtp_packets_forwarded_total",
		"RTP packets written to subscribers' tracks, one per subscriber a packet was written to.", nil, nil)
	rtpLost = prometheus.NewDesc("parley_media_rtp_packets_lost_total",
		"RTP packets subscribers' RTCP receiver reports say they never received, after NACK retransmissions (the rise of each report's cumulative loss).", nil, nil)
)

// mediaCollector reads the plane's figures once per scrape.
type mediaCollector struct{ counts func() MediaCounts }

func (c mediaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- peerConnections
	ch <- rtpForwarded
	ch <- rtpLost
}

func (c mediaCollector) Collect(ch chan<- prometheus.Metric) {
	n := c.counts()
	ch <- prometheus.MustNewConstMetric(peerConnections, prometheus.GaugeValue, float64(n.Publishers), "publisher")
	ch <- prometheus.MustNewConstMetric(peerConnections, prometheus.GaugeValue, float64(n.Subscribers), "subscriber")
	ch <- prometheus.MustNewConstMetric(rtpForwarded, prometheus.CounterValue, float64(n.Forwarded))
	ch <- prometheus.MustNewConstMetric(rtpLost, prometheus.CounterValue, float64(n.Lost))
}
