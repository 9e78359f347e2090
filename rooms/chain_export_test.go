package rooms

// Link chains drafts, for benchmarks beside the unhashed append.
var Link = link
