package rooms

// Balance is who has asked for and who has had the floor, per dimension and
// category, with each category's share and its target share.
type Balance struct {
	Seq        uint64                       `json:"seq"`
	Measure    string                       `json:"measure"`
	Totals     Totals                       `json:"totals"`
	Dimensions map[string][]CategoryBalance `json:"dimensions"`
}

// Totals are the room-wide sums the shares are taken of.
type Totals struct {
	Requests int     `json:"requests"`
	Turns    int     `json:"turns"`
	Seconds  float64 `json:"seconds"`
}

// CategoryBalance is one category's figures in one dimension. Shares are
// fractions in [0, 1] of the room totals.
type CategoryBalance struct {
	Category     string  `json:"category"`
	Requests     int     `json:"requests"`
	Turns        int     `json:"turns"`
	Seconds      float64 `json:"seconds"`
	RequestShare float64 `json:"request_share"`
	TurnShare    float64 `json:"turn_share"`
	TimeShare    float64 `json:"time_share"`
	Target       float64 `json:"target"`
}
