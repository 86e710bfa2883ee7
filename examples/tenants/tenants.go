// Package tenants is an example MCP server package whose components are
// not for everyone: an admin-only tool (auth=scope:admin), a handbook per
// tenant that only that tenant's users see (auth=SameTenant, a check
// reading the token's tenant claim), mail readable with the mail scope,
// and an incident prompt for admins. Served behind a token verifier (see
// ./cmd/tenants), each caller lists and uses only what its token allows.
package tenants

//go:generate go run github.com/mcpgen/mcpgen/cmd/mcpgen

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mcpgen/mcpgen/runtime"
)

// Identity is who the server thinks the caller is.
type Identity struct {
	Subject string   `json:"subject"`
	Tenant  string   `json:"tenant,omitempty"`
	Scopes  []string `json:"scopes"`
}

// Whoami says who the caller is, as the verified token says: any caller
// may ask.
//
//mcp:tool readonly
func Whoami(ctx context.Context) (Identity, error) {
	p := runtime.PrincipalFrom(ctx)
	if p == nil {
		return Identity{Subject: "anonymous", Scopes: []string{}}, nil
	}
	tenant, _ := runtime.ClaimAs[string](p, "tenant")
	return Identity{Subject: p.Subject, Tenant: tenant, Scopes: p.Scopes}, nil
}

// RotateArgs are the arguments of rotate_keys.
type RotateArgs struct {
	Reason string `json:"reason" mcp:"minLength=1,desc=Why the keys are rotated"`
}

// README: tenants-annotations

// RotateKeys rotates the signing keys of every tenant. Only admins see it.
//
//mcp:tool destructive auth=scope:admin
func RotateKeys(ctx context.Context, in RotateArgs) (string, error) {
	return fmt.Sprintf("keys rotated by %s: %s", runtime.PrincipalFrom(ctx).Subject, in.Reason), nil
}

// SameTenant allows a component tagged "tenant:NAME" only to callers
// whose token's tenant claim is NAME. A caller of another tenant is told
// so; a token without a tenant claim is refused with the claims it has.
func SameTenant(ctx context.Context, p *runtime.Principal, c runtime.ComponentInfo) error {
	tenant, err := runtime.ClaimAs[string](p, "tenant")
	if err != nil {
		return runtime.Forbidden("%v", err)
	}
	if !slices.Contains(c.Tags, "tenant:"+tenant) {
		return runtime.Forbidden("%s belongs to another tenant than %s", c.ID, tenant)
	}
	return nil
}

// AcmeHandbook is Acme's employee handbook.
//
//mcp:resource uri=notes://acme/handbook tags=tenant:acme auth=SameTenant
func AcmeHandbook(ctx context.Context) (string, error) {
	return "Acme handbook: ship on Fridays.", nil
}

// README end

// GlobexHandbook is Globex's employee handbook.
//
//mcp:resource uri=notes://globex/handbook tags=tenant:globex auth=SameTenant
func GlobexHandbook(ctx context.Context) (string, error) {
	return "Globex handbook: never ship on Fridays.", nil
}

// Mail reads one message of the caller's mailbox; it needs the mail
// scope.
//
//mcp:resource uri=mail://{id} auth=scope:mail
func Mail(ctx context.Context, id int) (string, error) {
	return fmt.Sprintf("message %d for %s", id, runtime.PrincipalFrom(ctx).Subject), nil
}

// IncidentArgs are the arguments of the incident prompt.
type IncidentArgs struct {
	Summary string `json:"summary" mcp:"desc=What happened"`
}

// Incident drafts an incident report; admins of a tenant only.
//
//mcp:prompt auth=scope:admin auth=HasTenant
func Incident(ctx context.Context, in IncidentArgs) (string, error) {
	tenant, _ := runtime.ClaimAs[string](runtime.PrincipalFrom(ctx), "tenant")
	return "Draft an incident report for " + strings.ToUpper(tenant) + ": " + in.Summary, nil
}

// HasTenant allows callers whose token names a tenant, and quietly hides
// the component from the others.
func HasTenant(ctx context.Context, p *runtime.Principal, c runtime.ComponentInfo) error {
	if _, err := runtime.ClaimAs[string](p, "tenant"); err != nil {
		return runtime.ErrDenied
	}
	return nil
}
