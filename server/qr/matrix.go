package qr

// builder lays out one symbol: the function patterns first, then the
// codewords in the modules left, then a mask over those.
type builder struct {
	version, size int
	dark          []bool
	function      []bool // a function pattern's module: never masked
}

func newBuilder(version int) *builder {
	size := version*4 + 17
	return &builder{version: version, size: size, dark: make([]bool, size*size), function: make([]bool, size*size)}
}

func (b *builder) set(x, y int, dark bool) {
	b.dark[y*b.size+x] = dark
	b.function[y*b.size+x] = true
}

// functionPatterns draws the finders, timing and alignment patterns and
// reserves the format and version areas (drawn for real by format).
func (b *builder) functionPatterns() {
	for i := range b.size {
		b.set(6, i, i%2 == 0)
		b.set(i, 6, i%2 == 0)
	}
	for _, c := range [][2]int{{3, 3}, {b.size - 4, 3}, {3, b.size - 4}} {
		b.finder(c[0], c[1])
	}
	centres := alignmentCentres(b.version)
	last := len(centres) - 1
	for i, cy := range centres {
		for j, cx := range centres {
			// None where a finder is.
			if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) {
				continue
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					b.set(cx+dx, cy+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
	b.format(L, 0) // reserves the area; its bits are drawn again with the mask
	b.versionInfo()
}

// finder draws a finder pattern centred at (cx, cy), with its light
// separator, clipped at the symbol's edge.
func (b *builder) finder(cx, cy int) {
	for dy := -4; dy <= 4; dy++ {
		for dx := -4; dx <= 4; dx++ {
			x, y := cx+dx, cy+dy
			if x < 0 || y < 0 || x >= b.size || y >= b.size {
				continue
			}
			d := max(abs(dx), abs(dy))
			b.set(x, y, d != 2 && d != 4)
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// format draws the format information: the level and mask, BCH(15,5)
// protected and masked with 101010000010010, twice.
func (b *builder) format(level Level, mask int) {
	data := formatBits[level]<<3 | mask
	bits := data<<10 | bch(data, 0x537, 10)
	bits ^= 0x5412
	bit := func(i int) bool { return (bits>>i)&1 != 0 }
	// Around the top left finder.
	for i := 0; i <= 5; i++ {
		b.set(8, i, bit(i))
	}
	b.set(8, 7, bit(6))
	b.set(8, 8, bit(7))
	b.set(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		b.set(14-i, 8, bit(i))
	}
	// Split between the other two.
	for i := range 8 {
		b.set(b.size-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		b.set(8, b.size-15+i, bit(i))
	}
	b.set(8, b.size-8, true) // the dark module
}

// versionInfo draws the version, BCH(18,6) protected, beside the two
// finders it neighbours, from version 7 up.
func (b *builder) versionInfo() {
	if b.version < 7 {
		return
	}
	bits := b.version<<12 | bch(b.version, 0x1F25, 12)
	for i := range 18 {
		dark := (bits>>i)&1 != 0
		a, c := b.size-11+i%3, i/3
		b.set(a, c, dark)
		b.set(c, a, dark)
	}
}

// bch is the remainder of data·x^n divided by generator g (of degree n).
func bch(data, g, n int) int {
	r := data << n
	for i := bitLen(r) - 1; i >= n; i-- {
		if (r>>i)&1 != 0 {
			r ^= g << (i - n)
		}
	}
	return r
}

func bitLen(x int) int {
	n := 0
	for ; x > 0; x >>= 1 {
		n++
	}
	return n
}

// place lays the codewords in the standard's zigzag: pairs of columns from
// the right, upwards then downwards, skipping the vertical timing column
// and every function module. Remainder modules stay light.
func (b *builder) place(codewords []byte) {
	i := 0
	for right := b.size - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for vert := range b.size {
			for j := range 2 {
				x := right - j
				y := vert
				if (right+1)&2 == 0 { // upwards
					y = b.size - 1 - vert
				}
				if b.function[y*b.size+x] {
					continue
				}
				if i < len(codewords)*8 {
					b.dark[y*b.size+x] = (codewords[i/8]>>(7-i%8))&1 != 0
				}
				i++
			}
		}
	}
}

// masks are the eight data masks: a module is flipped where its mask is true.
var masks = [8]func(x, y int) bool{
	func(x, y int) bool { return (x+y)%2 == 0 },
	func(x, y int) bool { return y%2 == 0 },
	func(x, y int) bool { return x%3 == 0 },
	func(x, y int) bool { return (x+y)%3 == 0 },
	func(x, y int) bool { return (x/3+y/2)%2 == 0 },
	func(x, y int) bool { return x*y%2+x*y%3 == 0 },
	func(x, y int) bool { return (x*y%2+x*y%3)%2 == 0 },
	func(x, y int) bool { return ((x+y)%2+x*y%3)%2 == 0 },
}

// apply flips the data modules under mask m.
func (b *builder) apply(m int) {
	for y := range b.size {
		for x := range b.size {
			if !b.function[y*b.size+x] && masks[m](x, y) {
				b.dark[y*b.size+x] = !b.dark[y*b.size+x]
			}
		}
	}
}
