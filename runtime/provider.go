package runtime

import (
	"context"
	"sync"
)

// Provider yields components for a server to serve. Generated packages,
// mounted servers, remote servers (package proxy) and, later, OpenAPI
// documents and directory trees are providers.
//
// A provider may also implement Watcher, to tell the server when its
// components change, and LifespanProvider, to run for as long as the
// server does.
type Provider interface {
	// Components returns the provider's current components. The server
	// treats the result as read-only and calls Components again only when
	// the provider says it changed (Watcher).
	Components(ctx context.Context) (*Components, error)
}

// Watcher is implemented by providers whose components change while the
// server runs. The server calls Watch once, when it first lists the
// provider; the provider calls changed (from any goroutine, any number of
// times) whenever Components would return something new, and the server
// lists it again, rebuilds its catalogue and sends list_changed for the
// kinds that changed. stop ends the watch.
type Watcher interface {
	Watch(changed func()) (stop func())
}

// LifespanProvider is implemented by providers that hold resources for as
// long as the server runs (connections, processes, watchers). Lifespan is
// called once when the server starts, in the order providers and
// lifespans were added, and the stop functions it returns run in reverse
// order when the server closes.
type LifespanProvider interface {
	Lifespan(ctx context.Context) (stop func(context.Context) error, err error)
}

// LifespanFunc is a server lifespan: it runs once when the server starts
// and returns the function that undoes it when the server closes. See
// Server.AddLifespan.
type LifespanFunc func(ctx context.Context) (stop func(context.Context) error, err error)

// Transform maps components on their way from a provider to clients:
// renaming, namespacing, reshaping, filtering, marking visibility or adding
// components. Transform returns a new *Components and must not modify in;
// a component it changes is a copy whose handler maps the call back to the
// original (so a renamed tool's handler receives the original arguments).
// Package transform holds the standard transforms.
type Transform interface {
	Transform(ctx context.Context, in *Components) (*Components, error)
}

// TransformFunc adapts a function to Transform.
type TransformFunc func(ctx context.Context, in *Components) (*Components, error)

// Transform calls f.
func (f TransformFunc) Transform(ctx context.Context, in *Components) (*Components, error) {
	return f(ctx, in)
}

// WithTransforms returns p with transforms applied to its components, in
// order (the first is closest to p). The result forwards p's Watcher and
// LifespanProvider, if it has them.
func WithTransforms(p Provider, transforms ...Transform) Provider {
	if len(transforms) == 0 {
		return p
	}
	return &transformed{p: p, transforms: transforms}
}

type transformed struct {
	p          Provider
	transforms []Transform
}

func (t *transformed) Components(ctx context.Context) (*Components, error) {
	c, err := t.p.Components(ctx)
	if err != nil {
		return nil, err
	}
	return applyTransforms(ctx, c, t.transforms)
}

func (t *transformed) Watch(changed func()) func() {
	if w, ok := t.p.(Watcher); ok {
		return w.Watch(changed)
	}
	return func() {}
}

func (t *transformed) Lifespan(ctx context.Context) (func(context.Context) error, error) {
	if l, ok := t.p.(LifespanProvider); ok {
		return l.Lifespan(ctx)
	}
	return nil, nil
}

func applyTransforms(ctx context.Context, c *Components, transforms []Transform) (*Components, error) {
	if c == nil {
		c = &Components{}
	}
	for _, tr := range transforms {
		out, err := tr.Transform(ctx, c)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = &Components{}
		}
		c = out
	}
	return c, nil
}

// Components returns c itself, so that a *Components is a Provider.
func (c *Components) Components(context.Context) (*Components, error) { return c, nil }

// Clone returns a copy of c whose slices may be changed without touching
// c's (the components themselves are shared).
func (c *Components) Clone() *Components {
	if c == nil {
		return &Components{}
	}
	return &Components{
		Tools:             append([]*Tool(nil), c.Tools...),
		Resources:         append([]*Resource(nil), c.Resources...),
		ResourceTemplates: append([]*ResourceTemplate(nil), c.ResourceTemplates...),
		Prompts:           append([]*Prompt(nil), c.Prompts...),
		Completions:       append([]*Completion(nil), c.Completions...),
	}
}

// Dynamic is a provider whose components the program replaces while the
// server runs: each Set is picked up at once, and clients are told what
// changed. The zero value holds no components.
type Dynamic struct {
	mu       sync.Mutex
	c        *Components
	watchers Watchers
}

// NewDynamic returns a Dynamic provider holding c.
func NewDynamic(c *Components) *Dynamic { return &Dynamic{c: c} }

// Set replaces the provider's components and notifies the servers that
// serve it.
func (d *Dynamic) Set(c *Components) {
	d.mu.Lock()
	d.c = c
	d.mu.Unlock()
	d.watchers.Notify()
}

// Components returns the components last Set.
func (d *Dynamic) Components(context.Context) (*Components, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.c == nil {
		return &Components{}, nil
	}
	return d.c, nil
}

// Watch implements Watcher.
func (d *Dynamic) Watch(changed func()) func() { return d.watchers.Watch(changed) }
