package live

import (
	"encoding/binary"
	"time"
)

// WebSocket opcodes of the frames the server writes itself (RFC 6455 5.2).
const (
	opText = 0x1
	opPing = 0x9
	opPong = 0xA
)

// message is one server message framed once for all its readers: the
// bytes of an unmasked, uncompressed WebSocket frame, which a shard writes
// to each client's socket as they are (shard.go).
type message struct {
	wire []byte
	text bool // a data frame, not a ping or pong: counted as delivered
	// sent, unless zero, is the server time of the room event, or if
	// transcript of the transcript segment, that it carries (stamped).
	sent       time.Time
	transcript bool
}

// pingMessage asks the client for a pong; the reader's deadline ends a
// connection whose peer stopped answering.
var pingMessage = newMessage(opPing, nil)

// newMessage frames payload, whole, as one final frame of opcode op.
func newMessage(op byte, payload []byte) *message {
	n := len(payload)
	var head []byte
	switch {
	case n < 126:
		head = []byte{0x80 | op, byte(n)}
	case n <= 0xFFFF:
		head = binary.BigEndian.AppendUint16([]byte{0x80 | op, 126}, uint16(n))
	default:
		head = binary.BigEndian.AppendUint64([]byte{0x80 | op, 127}, uint64(n))
	}
	return &message{wire: append(head, payload...), text: op == opText}
}
