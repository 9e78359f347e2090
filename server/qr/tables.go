package qr

// Level is a level of error correction.
type Level int

// The levels: L restores about 7% of the symbol, M about 15%.
const (
	L Level = iota
	M
)

// formatBits are each level's two bits in the format information.
var formatBits = [...]int{L: 1, M: 0}

// Per level and version (index 0 unused): the error correction codewords
// of each block, and the number of blocks (ISO/IEC 18004 table 9).
var (
	eccPerBlock = [...][41]int{
		L: {-1, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
		M: {-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28},
	}
	eccBlocks = [...][41]int{
		L: {-1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25},
		M: {-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49},
	}
)

// rawModules is how many modules of a version's symbol carry codewords
// (and remainder bits): all but the function patterns.
func rawModules(version int) int {
	n := (16*version+128)*version + 64
	if version >= 2 {
		align := version/7 + 2
		n -= (25*align-10)*align - 55
		if version >= 7 {
			n -= 36
		}
	}
	return n
}

// dataCodewords is how many codewords of a version at a level carry data.
func dataCodewords(version int, level Level) int {
	return rawModules(version)/8 - eccPerBlock[level][version]*eccBlocks[level][version]
}

// alignmentCentres are the rows (and columns) of a version's alignment
// patterns' centres.
func alignmentCentres(version int) []int {
	if version == 1 {
		return nil
	}
	n := version/7 + 2
	step := 26
	if version != 32 {
		step = (version*4 + n*2 + 1) / (n*2 - 2) * 2
	}
	out := make([]int, n)
	out[0] = 6
	for i, pos := n-1, version*4+10; i >= 1; i, pos = i-1, pos-step {
		out[i] = pos
	}
	return out
}
