package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestPrincipalClaimsAndSecrecy(t *testing.T) {
	p := &Principal{Subject: "ada", ClientID: "cli", Scopes: []string{"a"}, Token: "SECRET-TOKEN",
		Claims: map[string]any{"sub": "ada", "tenant": "acme", "level": float64(3), "groups": []any{"x", "y"}}}
	if v, err := ClaimAs[string](p, "tenant"); v != "acme" || err != nil {
		t.Errorf("tenant: %q %v", v, err)
	}
	if v, err := ClaimAs[int](p, "level"); v != 3 || err != nil {
		t.Errorf("level: %d %v", v, err)
	}
	if v, err := ClaimAs[[]string](p, "groups"); len(v) != 2 || err != nil {
		t.Errorf("groups: %q %v", v, err)
	}
	if _, err := ClaimAs[string](p, "oid"); err == nil || err.Error() != `claim "oid": the token has no such claim (it has: groups, level, sub, tenant)` {
		t.Errorf("missing claim: %v", err)
	}
	if _, err := ClaimAs[int](p, "tenant"); err == nil || err.Error() != `claim "tenant" is a string, not a int` {
		t.Errorf("wrong type: %v", err)
	}
	if _, err := ClaimAs[string](nil, "tenant"); err == nil || !strings.Contains(err.Error(), "not authenticated") {
		t.Errorf("no principal: %v", err)
	}
	// The token never shows.
	js, _ := json.Marshal(p)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "principal", p)
	for what, s := range map[string]string{"json": string(js), "String": p.String(), "%v": fmt.Sprintf("%v %+v", p, p), "log": logs.String()} {
		if strings.Contains(s, "SECRET-TOKEN") {
			t.Errorf("%s shows the token: %s", what, s)
		}
	}
	if p.Key() == "" || p.Key() != (&Principal{Subject: "ada", ClientID: "cli"}).Key() || p.Key() == (&Principal{Subject: "ada"}).Key() {
		t.Error("Key is not the hash of issuer, subject and client")
	}
	ctx := WithPrincipal(context.Background(), p)
	if PrincipalFrom(ctx) != p || PrincipalFrom(context.Background()) != nil {
		t.Error("WithPrincipal/PrincipalFrom")
	}
}
