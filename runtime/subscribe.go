package runtime

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Resource subscriptions. go-sdk keeps the subscriptions of each session;
// the server accepts a subscription to any resource the session can read (a static
// URI or one matching a template) and refuses others as not found.

func (s *Server) subscribe(ctx context.Context, req *mcp.SubscribeRequest) error {
	uri := req.Params.URI
	r := s.fromSDK("resources/subscribe", req)
	snap := s.snapshot(ctx)
	v := view{snap: snap, rules: s.sessionRules(ctx, r), authz: s.authzFor(ctx, r, snap)}
	if v.resource(uri, "") == nil {
		if t, _ := v.matchTemplate(uri, ""); t == nil {
			return resourceNotFound(r.ProtocolVersion, uri, nil)
		}
	}
	return nil
}

func (s *Server) unsubscribe(context.Context, *mcp.UnsubscribeRequest) error { return nil }

// ResourceUpdated tells every session subscribed to uri that the resource
// changed (notifications/resources/updated).
func (s *Server) ResourceUpdated(ctx context.Context, uri string) error {
	return s.mcp.ResourceUpdated(ctx, &mcp.ResourceUpdatedNotificationParams{URI: uri})
}

// NotifyResourceUpdated is ResourceUpdated for code running inside a
// component call, which has the server in its context. Outside a call it
// does nothing.
func NotifyResourceUpdated(ctx context.Context, uri string) error {
	r := RequestFrom(ctx)
	if r == nil || r.root == nil {
		return nil
	}
	return r.root.ResourceUpdated(ctx, uri)
}
