package qr

// Reed–Solomon error correction over GF(2^8) with the QR Code polynomial
// x^8 + x^4 + x^3 + x^2 + 1.

// mul multiplies in GF(2^8), by shift and add: fast enough for a page of
// codes, and no tables to get wrong.
func mul(x, y byte) byte {
	var z byte
	for i := 7; i >= 0; i-- {
		hi := z & 0x80
		z <<= 1
		if hi != 0 {
			z ^= 0x1D
		}
		if (y>>i)&1 != 0 {
			z ^= x
		}
	}
	return z
}

// divisor is the generator polynomial of degree n, (x - α^0)…(x - α^(n-1)),
// its coefficients from the highest power down, the leading 1 left out.
func divisor(n int) []byte {
	g := make([]byte, n)
	g[n-1] = 1
	root := byte(1)
	for range n {
		for j := range g {
			g[j] = mul(g[j], root)
			if j+1 < n {
				g[j] ^= g[j+1]
			}
		}
		root = mul(root, 2)
	}
	return g
}

// remainder is data's error correction codewords for divisor g.
func remainder(data, g []byte) []byte {
	r := make([]byte, len(g))
	for _, b := range data {
		factor := b ^ r[0]
		copy(r, r[1:])
		r[len(r)-1] = 0
		for i := range r {
			r[i] ^= mul(g[i], factor)
		}
	}
	return r
}
