package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/parley-hub/parley/rooms"
)

// Any file is read into people or refused with rows to fix, never a panic.
func FuzzReadParticipants(f *testing.F) {
	for _, s := range []string{
		"name,sub\nAmina,amina\n", "sub,role\nx,admin\n", "\"a,b\n", "sub\n\n\n", "sub,sub\n", "\uFEFFSub,Group\nx,academia\n", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := readParticipants(strings.NewReader(s), "plenary", rooms.DefaultCategories())
		var r *rooms.Refusal
		switch {
		case err == nil && len(list) == 0:
			t.Fatal("no people and no error")
		case err != nil && !(errors.As(err, &r) && r.Reason == "bad_rows"):
			t.Fatalf("error %v is not a list of rows", err)
		}
		for _, p := range list {
			if p.claims.Subject == "" || p.claims.Room != "plenary" || !issuedRoles[p.claims.Role] {
				t.Fatalf("claims %+v", p.claims)
			}
		}
	})
}
