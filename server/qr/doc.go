// Package qr encodes text as a QR Code (ISO/IEC 18004, Model 2) and draws
// it as SVG: the secretariat prints a sheet of personal links for the
// people in the room, each a code a phone's camera opens. Byte mode only
// (a link is bytes), error correction levels L and M, versions 1 to 40,
// the mask chosen by the standard's penalty rules. It is written here
// rather than taken as a dependency; its tests check it against the
// standard's published vectors.
package qr
