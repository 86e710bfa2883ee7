// Package openapitest is a petstore-like REST API for the tests of the
// OpenAPI provider and of the packages mcpgen openapi generates, with path,
// query, header and body parameters, arrays, enums, nullable fields, a
// binary download and a 404.
package openapitest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// doc is an OpenAPI 3.0 document with path, query, header and
// body parameters, arrays, enums, nullable fields, a binary download and a
// 404; %s is the backend's URL.
const doc = `{
  "openapi": "3.0.3",
  "info": {"title": "Petstore", "version": "1.0.0"},
  "servers": [{"url": "%s/v1"}],
  "paths": {
    "/pets": {
      "get": {
        "operationId": "listPets", "summary": "List pets", "tags": ["pets"],
        "parameters": [
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
          {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
          {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}
        ],
        "responses": {"200": {"description": "pets", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PetList"}}}}}
      },
      "post": {
        "operationId": "createPet", "summary": "Create a pet", "tags": ["pets"],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}}},
        "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}
      }
    },
    "/pets/{petId}": {
      "parameters": [{"name": "petId", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "get": {
        "operationId": "getPet", "summary": "Get a pet",
        "responses": {
          "200": {"description": "pet", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
          "404": {"description": "no such pet"}
        }
      },
      "delete": {
        "operationId": "deletePet",
        "parameters": [{"name": "X-Request-Id", "in": "header", "required": true, "schema": {"type": "string"}}],
        "responses": {"204": {"description": "deleted"}}
      }
    },
    "/pets/{petId}/photo": {
      "get": {
        "operationId": "getPhoto",
        "parameters": [{"name": "petId", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "photo", "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}}
      }
    },
    "/files/{name}": {
      "get": {
        "operationId": "getFile",
        "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "file", "content": {"text/plain": {"schema": {"type": "string"}}}}}
      }
    }
  },
  "components": {
    "schemas": {
      "Status": {"type": "string", "enum": ["available", "sold"]},
      "NewPet": {
        "type": "object", "required": ["name"],
        "properties": {
          "name": {"type": "string", "minLength": 1},
          "status": {"$ref": "#/components/schemas/Status"},
          "tag": {"type": "string", "nullable": true}
        }
      },
      "Pet": {
        "type": "object", "required": ["id", "name"],
        "properties": {
          "id": {"type": "integer"},
          "name": {"type": "string"},
          "status": {"$ref": "#/components/schemas/Status"},
          "tag": {"type": "string", "nullable": true},
          "friend": {"$ref": "#/components/schemas/Pet"}
        }
      },
      "PetList": {"type": "object", "required": ["pets"], "properties": {"pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}
    }
  }
}`

// Backend is a petstore API on 127.0.0.1 serving Doc at /openapi.json; it
// records every request, and counts those that reach /admin, which no
// operation names.
type Backend struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
	admin    int
}

// PNG is the photo the API serves.
var PNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

// NewBackend starts the API, closed when t ends.
func NewBackend(t testing.TB) *Backend {
	b := &Backend{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, Doc(b.URL))
	})
	mux.HandleFunc("/admin", func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.admin++
		b.mu.Unlock()
		fmt.Fprint(w, "ADMIN SECRET")
	})
	mux.HandleFunc("GET /v1/pets", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"pets":[{"id":1,"name":"rex","status":"available","tag":null}],"echo":{"limit":%q,"tags":%q,"trace":%q}}`,
			r.URL.Query().Get("limit"), strings.Join(r.URL.Query()["tags"], "|"), r.Header.Get("X-Trace"))
	})
	mux.HandleFunc("POST /v1/pets", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		out, _ := json.Marshal(map[string]any{"id": 7, "name": in["name"], "status": in["status"], "tag": in["tag"]})
		w.Write(out)
	})
	mux.HandleFunc("GET /v1/pets/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "1" {
			http.Error(w, `{"error":"pet not found"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":1,"name":"rex","friend":{"id":2,"name":"tom"}}`)
	})
	mux.HandleFunc("DELETE /v1/pets/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/pets/{id}/photo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(PNG)
	})
	mux.HandleFunc("GET /v1/files/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "file %s", r.PathValue("name"))
	})
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		b.mu.Lock()
		b.requests = append(b.requests, r.Clone(context.Background()))
		b.bodies = append(b.bodies, string(body))
		b.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(b.Close)
	return b
}

// Last returns the last request and its body.
func (b *Backend) Last() (*http.Request, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.requests) == 0 {
		return nil, ""
	}
	return b.requests[len(b.requests)-1], b.bodies[len(b.bodies)-1]
}

// Count returns the number of requests so far.
func (b *Backend) Count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.requests)
}

// Admin returns the number of requests that reached /admin.
func (b *Backend) Admin() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.admin
}

// Requests returns the requests so far.
func (b *Backend) Requests() []*http.Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*http.Request(nil), b.requests...)
}

// Doc is the document with its server at url + "/v1".
func Doc(url string) string { return strings.Replace(doc, "%s", url, 1) }
