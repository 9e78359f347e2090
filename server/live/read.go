package live

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
	"github.com/parley-hub/parley/server/ratelimit"
)

// read handles the client's messages until the connection ends.
func (c *client) read(ctx context.Context) {
	defer close(c.readerDone)
	c.conn.SetReadLimit(protocol.MaxFrame)
	c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	for {
		c.awaitRoom()
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				c.kick(protocol.CloseMessageTooBig, "message larger than 16 KiB")
			} else {
				c.kick(websocket.CloseAbnormalClosure, "read failed")
			}
			return
		}
		c.conn.SetReadDeadline(time.Now().Add(pongWait))
		c.handle(ctx, data)
	}
}

// handle answers one message. Every message counts against its person's
// rate, whatever it is, a frame that cannot be read too.
func (c *client) handle(ctx context.Context, data []byte) {
	m, err := protocol.DecodeClient(data)
	if !c.hub.cfg.People.Allow(c.who.Sub, time.Now()) {
		c.hub.rateLimited()
		c.reply(protocol.Error{Type: protocol.TypeError, ID: m.ID, Code: protocol.CodeRateLimited, Message: ratelimit.ErrRateLimited.Error()})
		return
	}
	if err != nil {
		c.reply(protocol.Error{Type: protocol.TypeError, ID: m.ID, Code: protocol.CodeBadFrame, Message: err.Error()})
		return
	}
	switch m.Type {
	case protocol.TypePing:
		c.reply(protocol.Pong{Type: protocol.TypePong, ID: m.ID, ServerTime: time.Now()})
	case protocol.TypeCommand:
		c.command(ctx, m)
	case protocol.TypeTranscript:
		if err := c.hub.followTranscripts(ctx, c, m); err != nil {
			c.fail(ctx, m.ID, "", err)
			return
		}
		c.reply(protocol.Ack{Type: protocol.TypeAck, ID: m.ID})
	case protocol.TypeCaption, protocol.TypeCorrect:
		seg, err := c.caption(ctx, m)
		if err != nil {
			c.fail(ctx, m.ID, m.Type, err)
			return
		}
		c.reply(protocol.Ack{Type: protocol.TypeAck, ID: m.ID, Seq: seg.Seq, Segment: &seg})
	default:
		c.reply(protocol.Error{Type: protocol.TypeError, ID: m.ID, Code: protocol.CodeBadFrame, Message: "unknown message type " + strconv.Quote(m.Type) + ": send command, transcript, caption, correct or ping"})
	}
}

func (c *client) command(ctx context.Context, m protocol.ClientMessage) {
	start := time.Now()
	cmd, err := rooms.DecodeCommand(m.Command)
	if err != nil {
		c.hub.commanded("", err, start)
		c.fail(ctx, m.ID, cmd.Type, err)
		return
	}
	res, err := c.hub.cfg.Rooms.Execute(ctx, c.room, c.who, cmd)
	c.hub.commanded(cmd.Type, err, start)
	if err != nil {
		c.fail(ctx, m.ID, cmd.Type, err)
		return
	}
	c.reply(protocol.Ack{Type: protocol.TypeAck, ID: m.ID, Seq: res.Seq})
}

// caption handles a captioner's console: the line being typed, and
// corrections of finished lines.
func (c *client) caption(ctx context.Context, m protocol.ClientMessage) (rooms.Segment, error) {
	t := c.hub.cfg.Transcripts
	if m.Type == protocol.TypeCorrect {
		return t.Correct(ctx, c.room, c.who, m.Lang, m.Segment, m.Text)
	}
	return t.Write(ctx, c.room, c.who, m.Lang, m.Text, m.Final)
}

// fail answers request id with what the client may read of err; the wrap
// chain goes to the log only, for faults and outages.
func (c *client) fail(ctx context.Context, id, what string, err error) {
	p := c.hub.cfg.Describe(err)
	switch {
	case p.Fault:
		c.logger().ErrorContext(ctx, "live request failed", "what", what, "err", err)
	case p.Outage:
		c.logger().WarnContext(ctx, "live request failed: unavailable", "what", what, "err", err)
	}
	c.reply(protocol.Error{Type: protocol.TypeError, ID: id, Code: p.Code, Message: p.Message, Params: p.Params})
}
