package qr

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The worked example of the QR Code tutorial at thonky.com, from the
// standard's own: "HELLO WORLD" at 1-M, whose data codewords give these
// error correction codewords.
func TestReedSolomonKnownVector(t *testing.T) {
	data := []byte{32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17}
	want := []byte{196, 35, 39, 119, 235, 215, 231, 226, 93, 23}
	if got := remainder(data, divisor(10)); !bytes.Equal(got, want) {
		t.Errorf("ecc = %v, want %v", got, want)
	}
}

// The format information strings of ISO/IEC 18004 table C.1 for L and M.
func TestFormatInformationKnownVectors(t *testing.T) {
	want := map[Level][8]string{
		L: {"111011111000100", "111001011110011", "111110110101010", "111100010011101", "110011000101111", "110001100011000", "110110001000001", "110100101110110"},
		M: {"101010000010010", "101000100100101", "101111001111100", "101101101001011", "100010111111001", "100000011001110", "100111110010111", "100101010100000"},
	}
	for level, strs := range want {
		for mask, s := range strs {
			data := formatBits[level]<<3 | mask
			got := fmt.Sprintf("%015b", (data<<10|bch(data, 0x537, 10))^0x5412)
			if got != s {
				t.Errorf("format %d/%d = %s, want %s", level, mask, got, s)
			}
		}
	}
}

// Version information of table D.1.
func TestVersionInformationKnownVectors(t *testing.T) {
	for v, want := range map[int]string{7: "000111110010010100", 8: "001000010110111100", 21: "010101011010000011", 40: "101000110001101001"} {
		if got := fmt.Sprintf("%018b", v<<12|bch(v, 0x1F25, 12)); got != want {
			t.Errorf("version %d = %s, want %s", v, got, want)
		}
	}
}

// Alignment pattern centres of table E.1, and byte mode capacities of
// table 7.
func TestLayoutKnownVectors(t *testing.T) {
	for v, want := range map[int][]int{1: nil, 2: {6, 18}, 7: {6, 22, 38}, 16: {6, 26, 50, 74}, 32: {6, 34, 60, 86, 112, 138}, 40: {6, 30, 58, 86, 114, 142, 170}} {
		if got := alignmentCentres(v); !slices.Equal(got, want) {
			t.Errorf("version %d alignment %v, want %v", v, got, want)
		}
	}
	for _, c := range []struct {
		v     int
		level Level
		bytes int
	}{{1, L, 17}, {1, M, 14}, {2, M, 26}, {10, L, 271}, {10, M, 213}, {20, M, 666}, {40, L, 2953}, {40, M, 2331}} {
		if got := (8*dataCodewords(c.v, c.level) - 4 - countBits(c.v)) / 8; got != c.bytes {
			t.Errorf("version %d level %d holds %d bytes, want %d", c.v, c.level, got, c.bytes)
		}
	}
}

func TestEncodePicksTheSmallestVersionAndRefusesTooMuch(t *testing.T) {
	for _, c := range []struct {
		n, version int
	}{{1, 1}, {14, 1}, {15, 2}, {213, 10}, {214, 11}, {2331, 40}} {
		code, err := Encode(strings.Repeat("a", c.n), M)
		if err != nil || code.Version != c.version || code.Size != 4*c.version+17 {
			t.Errorf("%d bytes: %+v %v, want version %d", c.n, code, err, c.version)
		}
	}
	if _, err := Encode(strings.Repeat("a", 2332), M); !errors.Is(err, ErrTooLong) {
		t.Errorf("2332 bytes at M: %v, want ErrTooLong", err)
	}
}

// A symbol has its function patterns where a reader looks for them, and
// reads back, through the format it declares, the text it was made of.
func TestSymbolsReadBack(t *testing.T) {
	link := "https://parley.example/rooms/netmundial#token=" + strings.Repeat("eyJhbGciOiJIUzI1NiJ9.", 20)
	for _, text := range []string{"HELLO WORLD", "https://parley.example/", link, "São Paulo — ساو باولو"} {
		for _, level := range []Level{L, M} {
			code, err := Encode(text, level)
			if err != nil {
				t.Fatal(err)
			}
			checkFinders(t, code)
			if got := readBack(t, code); got != text {
				t.Errorf("level %d version %d mask %d reads %q, want %q", level, code.Version, code.Mask, got, text)
			}
		}
	}
}

func checkFinders(t *testing.T, c *Code) {
	t.Helper()
	for _, o := range [][2]int{{0, 0}, {c.Size - 7, 0}, {0, c.Size - 7}} {
		for dy := range 7 {
			for dx := range 7 {
				d := max(abs(dx-3), abs(dy-3))
				if want := d != 2; c.Dark(o[0]+dx, o[1]+dy) != want {
					t.Fatalf("version %d: finder at %v wrong at %d,%d", c.Version, o, dx, dy)
				}
			}
		}
	}
	for i := 8; i < c.Size-8; i++ {
		if c.Dark(i, 6) != (i%2 == 0) || c.Dark(6, i) != (i%2 == 0) {
			t.Fatalf("version %d: timing pattern broken at %d", c.Version, i)
		}
	}
	if !c.Dark(8, c.Size-8) {
		t.Fatalf("version %d: no dark module", c.Version)
	}
}

// readBack decodes c as a reader would: the format from the symbol, the
// mask undone, the codewords read in placement order, the blocks
// de-interleaved, the byte mode segment parsed.
func readBack(t *testing.T, c *Code) string {
	t.Helper()
	var format int
	for i := range 8 {
		if c.Dark(c.Size-1-i, 8) {
			format |= 1 << i
		}
	}
	for i := 8; i < 15; i++ {
		if c.Dark(8, c.Size-15+i) {
			format |= 1 << i
		}
	}
	format ^= 0x5412
	level, mask := L, format>>10&7
	if format>>13 == 0 {
		level = M
	}
	if level != c.Level || mask != c.Mask {
		t.Fatalf("format says level %d mask %d; the code was %d, %d", level, mask, c.Level, c.Mask)
	}
	b := newBuilder(c.Version)
	b.functionPatterns()
	copy(b.dark, c.dark)
	b.apply(mask)
	raw := rawModules(c.Version) / 8
	var bits bitBuffer
	for right := b.size - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for vert := range b.size {
			for j := range 2 {
				x, y := right-j, vert
				if (right+1)&2 == 0 {
					y = b.size - 1 - vert
				}
				if !b.function[y*b.size+x] {
					bits = append(bits, b.dark[y*b.size+x])
				}
			}
		}
	}
	codewords := bits[:raw*8].bytes()
	blocks, ecc := eccBlocks[level][c.Version], eccPerBlock[level][c.Version]
	short := blocks - raw%blocks
	shortData := raw/blocks - ecc
	dataOf := make([][]byte, blocks)
	k := 0
	for j := range shortData + 1 {
		for i := range blocks {
			if j < shortData || i >= short {
				dataOf[i] = append(dataOf[i], codewords[k])
				k++
			}
		}
	}
	var data []byte
	g := divisor(ecc)
	for i := range blocks {
		eccGot := make([]byte, ecc)
		for j := range ecc {
			eccGot[j] = codewords[k+j*blocks+i]
		}
		if !bytes.Equal(eccGot, remainder(dataOf[i], g)) {
			t.Fatalf("block %d: error correction does not match its data", i)
		}
		data = append(data, dataOf[i]...)
	}
	if data[0]>>4 != 0b0100 {
		t.Fatalf("mode %04b, want byte mode", data[0]>>4)
	}
	var n, at int
	if countBits(c.Version) == 8 {
		n, at = int(data[0]&0xF)<<4|int(data[1]>>4), 12
	} else {
		n, at = int(data[0]&0xF)<<12|int(data[1])<<4|int(data[2]>>4), 20
	}
	out := make([]byte, n)
	for i := range out {
		bit := at + 8*i
		out[i] = data[bit/8]<<(bit%8) | data[bit/8+1]>>(8-bit%8)
	}
	return string(out)
}

func TestSVGDrawsEveryDarkModule(t *testing.T) {
	code, err := Encode("https://parley.example/", M)
	if err != nil {
		t.Fatal(err)
	}
	svg := code.SVG(`Link for "Amina" <Diallo>`)
	if !strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 33 33"`) || !strings.Contains(svg, "<title>Link for &#34;Amina&#34; &lt;Diallo&gt;</title>") {
		t.Fatalf("svg %.200s", svg)
	}
	dark := 0
	for y := range code.Size {
		for x := range code.Size {
			if code.Dark(x, y) {
				dark++
			}
		}
	}
	// Every run "M x yhNv1h-Nz" covers N modules.
	covered := 0
	for _, part := range strings.Split(svg[strings.Index(svg, `d="`)+3:], "z")[:strings.Count(svg, "z")] {
		var x, y, n, m int
		if _, err := fmt.Sscanf(part, "M%d %dh%dv1h-%d", &x, &y, &n, &m); err == nil {
			covered += n
		}
	}
	if covered != dark {
		t.Errorf("the path covers %d modules; %d are dark", covered, dark)
	}
}

func FuzzEncode(f *testing.F) {
	f.Add("https://parley.example/rooms/x#token=abc")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		code, err := Encode(s, M)
		if err != nil {
			if !errors.Is(err, ErrTooLong) {
				t.Fatal(err)
			}
			return
		}
		if got := readBack(t, code); got != s {
			t.Fatalf("reads %q, want %q", got, s)
		}
	})
}
