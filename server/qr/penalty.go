package qr

// penalty scores the symbol as the standard does to choose a mask: runs
// of one colour, 2×2 blocks, patterns that look like a finder, and an
// imbalance of dark and light. The lowest score wins.
func (b *builder) penalty() int {
	n := b.size
	at := func(x, y int) bool { return b.dark[y*n+x] }
	score := 0
	for _, horizontal := range []bool{true, false} {
		for i := range n {
			get := func(j int) bool {
				if horizontal {
					return at(j, i)
				}
				return at(i, j)
			}
			line := make([]bool, n)
			run := 0
			for j := range n {
				line[j] = get(j)
				if j > 0 && line[j] == line[j-1] {
					run++
				} else {
					if run >= 5 {
						score += run - 2
					}
					run = 1
				}
			}
			if run >= 5 {
				score += run - 2
			}
			score += 40 * finderLike(line)
		}
	}
	for y := range n - 1 {
		for x := range n - 1 {
			c := at(x, y)
			if c == at(x+1, y) && c == at(x, y+1) && c == at(x+1, y+1) {
				score += 3
			}
		}
	}
	dark := 0
	for _, d := range b.dark {
		if d {
			dark++
		}
	}
	total := n * n
	// Each 5% from half and half costs 10.
	k := (abs(dark*20-total*10) + total - 1) / total
	return score + max(k-1, 0)*10
}

// finderLike counts 1:1:3:1:1 dark-light patterns with four light
// modules on either side (the symbol's edge counts as light).
func finderLike(line []bool) int {
	n := len(line)
	dark := func(i int) bool { return i >= 0 && i < n && line[i] }
	count := 0
	pattern := []bool{true, false, true, true, true, false, true}
	for i := -4; i+7 <= n+4; i++ {
		match := true
		for k, want := range pattern {
			if dark(i+k) != want {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		before, after := true, true
		for k := 1; k <= 4; k++ {
			before = before && !dark(i-k)
			after = after && !dark(i+6+k)
		}
		if before {
			count++
		}
		if after {
			count++
		}
	}
	return count
}
