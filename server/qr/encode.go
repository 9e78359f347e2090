package qr

import (
	"errors"
	"fmt"
)

// ErrTooLong is text that no version holds at the level asked.
var ErrTooLong = errors.New("qr: text too long for a QR Code")

// Code is an encoded symbol: Size×Size modules, dark where Dark says.
type Code struct {
	Version int
	Level   Level
	Mask    int
	Size    int
	dark    []bool
}

// Dark reports whether the module at column x, row y is dark.
func (c *Code) Dark(x, y int) bool { return c.dark[y*c.Size+x] }

// Encode makes the smallest symbol that holds text in byte mode at level.
func Encode(text string, level Level) (*Code, error) {
	data := []byte(text)
	version := 0
	for v := 1; v <= 40; v++ {
		if 4+countBits(v)+8*len(data) <= 8*dataCodewords(v, level) {
			version = v
			break
		}
	}
	if version == 0 {
		return nil, fmt.Errorf("%w: %d bytes at level %s", ErrTooLong, len(data), "LM"[level:level+1])
	}
	codewords := withECC(dataBits(data, version, level), version, level)
	b := newBuilder(version)
	b.functionPatterns()
	b.place(codewords)
	mask, best := 0, -1
	for m := range 8 {
		b.apply(m)
		b.format(level, m)
		if p := b.penalty(); best < 0 || p < best {
			mask, best = m, p
		}
		b.apply(m) // a mask is its own inverse
	}
	b.apply(mask)
	b.format(level, mask)
	return &Code{Version: version, Level: level, Mask: mask, Size: b.size, dark: b.dark}, nil
}

// countBits is the width of byte mode's character count in a version.
func countBits(version int) int {
	if version <= 9 {
		return 8
	}
	return 16
}

// dataBits is the data codewords: mode, count, bytes, terminator, padding.
func dataBits(data []byte, version int, level Level) []byte {
	var bits bitBuffer
	bits.add(0b0100, 4)
	bits.add(len(data), countBits(version))
	for _, b := range data {
		bits.add(int(b), 8)
	}
	capacity := 8 * dataCodewords(version, level)
	bits.add(0, min(4, capacity-len(bits)))
	bits.add(0, (8-len(bits)%8)%8)
	for pad := 0xEC; len(bits) < capacity; pad ^= 0xEC ^ 0x11 {
		bits.add(pad, 8)
	}
	return bits.bytes()
}

type bitBuffer []bool

func (b *bitBuffer) add(v, n int) {
	for i := n - 1; i >= 0; i-- {
		*b = append(*b, (v>>i)&1 != 0)
	}
}

func (b bitBuffer) bytes() []byte {
	out := make([]byte, len(b)/8)
	for i, bit := range b {
		if bit {
			out[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out
}

// withECC splits data into the version's blocks, adds each block's error
// correction, and interleaves them as the symbol carries them.
func withECC(data []byte, version int, level Level) []byte {
	blocks, ecc := eccBlocks[level][version], eccPerBlock[level][version]
	raw := rawModules(version) / 8
	short := blocks - raw%blocks // blocks one data codeword shorter than the rest
	shortData := raw/blocks - ecc
	g := divisor(ecc)
	var dataOf, eccOf [][]byte
	for i, k := 0, 0; i < blocks; i++ {
		n := shortData
		if i >= short {
			n++
		}
		dataOf = append(dataOf, data[k:k+n])
		eccOf = append(eccOf, remainder(data[k:k+n], g))
		k += n
	}
	out := make([]byte, 0, raw)
	for j := range shortData + 1 {
		for i := range blocks {
			if j < len(dataOf[i]) {
				out = append(out, dataOf[i][j])
			}
		}
	}
	for j := range ecc {
		for i := range blocks {
			out = append(out, eccOf[i][j])
		}
	}
	return out
}
