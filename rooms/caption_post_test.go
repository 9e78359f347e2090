package rooms_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

// relief is a second stenographer who takes over the same channel.
var relief = rooms.Participant{Sub: "cart-2", Name: "CART relief", Role: rooms.RoleCaptioner}

// hookedStore is a store with hooks around each append: before may refuse
// it, after hears of one that succeeded.
type hookedStore struct {
	rooms.Store
	before func(id rooms.LogID) error
	after  func(id rooms.LogID)
}

func (s *hookedStore) Append(ctx context.Context, id rooms.LogID, expected uint64, evs []rooms.Event) ([]rooms.Event, error) {
	if s.before != nil {
		if err := s.before(id); err != nil {
			return nil, err
		}
	}
	out, err := s.Store.Append(ctx, id, expected, evs)
	if err == nil && s.after != nil {
		s.after(id)
	}
	return out, err
}

// transcriptsOn runs a node's transcripts on store, creating the room
// "plenary" when create is set.
func transcriptsOn(t *testing.T, store rooms.Store, create bool) (*rooms.Service, *rooms.Transcripts) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	svc := rooms.NewService(store, log, func() time.Time { return t0 })
	if create {
		if _, err := svc.Create(context.Background(), chair, rooms.RoomSpec{ID: "plenary", Policy: &queue.Policy{Kind: queue.PolicyFIFO}}); err != nil {
			t.Fatal(err)
		}
	}
	return svc, rooms.NewTranscripts(svc, log)
}

func embeddedStore(t *testing.T) rooms.Store {
	store, _ := sharedStores["embedded"](t)
	return store
}

func texts(t *testing.T, tr *rooms.Transcripts, lang string) []string {
	t.Helper()
	var out []string
	err := tr.View(context.Background(), "plenary", lang, func(c *rooms.Channel) {
		for _, s := range c.Segments(0, 0) {
			out = append(out, s.Text)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func languages(t *testing.T, svc *rooms.Service) []string {
	t.Helper()
	snap, err := svc.Snapshot(context.Background(), "plenary")
	if err != nil {
		t.Fatal(err)
	}
	return snap.Languages
}

// A post may finish at most MaxPostLines lines; one with more is refused
// before it changes anything.
func TestCaptionPostLinesAreBounded(t *testing.T) {
	r := newTranscriptRoom(t)
	ctx := context.Background()
	_, err := r.tr.Post(ctx, "plenary", stenographer, "en", 1, strings.Repeat("a\n", rooms.MaxPostLines+1))
	if !errors.Is(err, rooms.ErrTooManyLines) || !strings.Contains(err.Error(), "at most 1000 lines") {
		t.Fatalf("a post of %d lines: %v, want ErrTooManyLines naming the bound", rooms.MaxPostLines+1, err)
	}
	if segs := r.segments(t, "en"); len(segs) != 0 {
		t.Fatalf("a refused post left %d segments", len(segs))
	}
	res := r.post(t, "en", 1, strings.Repeat("a\n", rooms.MaxPostLines))
	if len(res.Segments) != rooms.MaxPostLines || res.Duplicate {
		t.Errorf("a post of %d lines changed %d segments (%+v)", rooms.MaxPostLines, len(res.Segments), res.CaptionSeq)
	}
}

// A post whose caller has gone while it waited for the channel appends
// nothing.
func TestCaptionPostGoneWhileWaitingAppendsNothing(t *testing.T) {
	inside, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	store := &hookedStore{Store: embeddedStore(t), before: func(id rooms.LogID) error {
		if id.Channel != "" {
			once.Do(func() { close(inside); <-release })
		}
		return nil
	}}
	_, tr := transcriptsOn(t, store, true)
	first := make(chan error)
	go func() {
		_, err := tr.Post(context.Background(), "plenary", stenographer, "en", 1, "First.\n")
		first <- err
	}()
	<-inside // the first post holds the channel
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error)
	go func() {
		_, err := tr.Post(ctx, "plenary", relief, "en", 0, "Second.\n")
		second <- err
	}()
	cancel()
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Errorf("the cancelled post: %v, want context.Canceled", err)
	}
	if got := texts(t, tr, "en"); !slices.Equal(got, []string{"First."}) {
		t.Errorf("channel holds %q, want the first post only", got)
	}
}

// Each captioner numbers their own posts, and a seq may jump at most
// MaxCaptionSeqJump ahead of their last, so nobody's seq can silence a
// channel; seqs survive a restart.
func TestCaptionSeqsArePerCaptionerAndBounded(t *testing.T) {
	for name, open := range sharedStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			storeA, storeB := open(t)
			_, tr := transcriptsOn(t, storeA, true)
			post := func(tr *rooms.Transcripts, who rooms.Participant, seq uint64, body string) (rooms.CaptionResult, error) {
				return tr.Post(ctx, "plenary", who, "en", seq, body)
			}
			steps := []struct {
				who     rooms.Participant
				seq     uint64
				refused bool
				dup     bool
				missing uint64
			}{
				{stenographer, math.MaxUint64, true, false, 0},
				{stenographer, rooms.MaxCaptionSeqJump + 1, true, false, 0},
				{stenographer, 1, false, false, 0},
				{stenographer, 1, false, true, 0},
				{stenographer, 1 + rooms.MaxCaptionSeqJump, false, false, rooms.MaxCaptionSeqJump - 1},
				{stenographer, 2 + 2*rooms.MaxCaptionSeqJump, true, false, 0},
				{relief, 1, false, false, 0},
				{relief, 3, false, false, 1},
			}
			for i, s := range steps {
				res, err := post(tr, s.who, s.seq, "line\n")
				if s.refused {
					if !errors.Is(err, rooms.ErrCaptionSeqTooFar) {
						t.Fatalf("step %d: %s seq %d: %v, want ErrCaptionSeqTooFar", i, s.who.Sub, s.seq, err)
					}
					continue
				}
				if err != nil || res.Duplicate != s.dup || res.Missing != s.missing || res.CaptionSeq != max(s.seq, 1) && !s.dup {
					t.Fatalf("step %d: %s seq %d: %+v, %v; want duplicate %v, missing %d", i, s.who.Sub, s.seq, res, err, s.dup, s.missing)
				}
			}
			if got := texts(t, tr, "en"); len(got) != 4 {
				t.Errorf("channel holds %q, want the 4 posts applied", got)
			}

			// Another node, or this one restarted, folds the same seqs.
			_, again := transcriptsOn(t, storeB, false)
			if res, err := post(again, stenographer, 1+rooms.MaxCaptionSeqJump, "line\n"); err != nil || !res.Duplicate {
				t.Errorf("a retry after the restart: %+v, %v; want a duplicate", res, err)
			}
			err := again.View(ctx, "plenary", "en", func(c *rooms.Channel) {
				if c.CaptionSeq(stenographer.Sub) != 1+rooms.MaxCaptionSeqJump || c.CaptionSeq(relief.Sub) != 3 || c.CaptionSeq("nobody") != 0 {
					t.Errorf("seqs %d, %d, %d; want %d, 3, 0", c.CaptionSeq(stenographer.Sub), c.CaptionSeq(relief.Sub), c.CaptionSeq("nobody"), 1+rooms.MaxCaptionSeqJump)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A log written before seqs were bounded may hold a seq near 2^64: it
// counts for nothing, and later posts are applied.
func TestCaptionSeqFromBeforeTheBoundDoesNotSilence(t *testing.T) {
	ctx := context.Background()
	store := embeddedStore(t)
	transcriptsOn(t, store, true)
	poisoned := rooms.Event{Time: t0, Actor: stenographer.Actor(), Type: rooms.EvSegmentOpened,
		Data: []byte(`{"text":"Silence.","final":true,"caption_seq":18446744073709551615}`)}
	if _, err := store.Append(ctx, rooms.TranscriptLog("plenary", "en"), 0, []rooms.Event{poisoned}); err != nil {
		t.Fatal(err)
	}
	_, tr := transcriptsOn(t, store, false)
	res, err := tr.Post(ctx, "plenary", stenographer, "en", 1, "Heard.\n")
	if err != nil || res.Duplicate || res.CaptionSeq != 1 {
		t.Fatalf("post after the poisoned seq: %+v, %v; want it applied", res, err)
	}
}

// The first text of a channel is stored in the channel's log and its
// language in the room's: a request cancelled between the two steps still
// lists the language.
func TestFirstTextListsItsLanguageThoughTheRequestIsCancelled(t *testing.T) {
	for name, open := range sharedStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store, _ := open(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			hooked := &hookedStore{Store: store, after: func(id rooms.LogID) {
				if id.Channel != "" {
					cancel() // the captioner's software hangs up
				}
			}}
			svc, tr := transcriptsOn(t, hooked, true)
			if _, err := tr.Post(ctx, "plenary", stenographer, "en", 1, "Welcome.\n"); err != nil {
				t.Fatalf("post: %v; its text is stored", err)
			}
			if got := languages(t, svc); !slices.Equal(got, []string{"en"}) {
				t.Errorf("room languages %v, want [en]", got)
			}
		})
	}
}

// When the language could not be listed after the first text (the store
// failed), the next write to the channel lists it, even a retry that is
// not applied again.
func TestLanguageIsListedByTheRetryOfAFailedPost(t *testing.T) {
	for name, open := range sharedStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store, _ := open(t)
			ctx := context.Background()
			errDown := errors.New("store went away")
			var fail sync.Once
			hooked := &hookedStore{Store: store}
			svc, tr := transcriptsOn(t, hooked, true)
			hooked.before = func(id rooms.LogID) error {
				var err error
				if id.Channel == "" {
					fail.Do(func() { err = errDown })
				}
				return err
			}
			if _, err := tr.Post(ctx, "plenary", stenographer, "en", 1, "Welcome.\n"); !errors.Is(err, errDown) {
				t.Fatalf("post: %v, want the store's failure", err)
			}
			if got := languages(t, svc); len(got) != 0 {
				t.Fatalf("room languages %v before the retry", got)
			}
			res, err := tr.Post(ctx, "plenary", stenographer, "en", 1, "Welcome.\n")
			if err != nil || !res.Duplicate {
				t.Fatalf("retry: %+v, %v; want a duplicate", res, err)
			}
			if got := languages(t, svc); !slices.Equal(got, []string{"en"}) {
				t.Errorf("room languages %v, want [en]", got)
			}
			if got := texts(t, tr, "en"); !slices.Equal(got, []string{"Welcome."}) {
				t.Errorf("channel holds %q, want the text once", got)
			}
		})
	}
}
