package client

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWithHeader(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer srv.Close()
	hc := &http.Client{Transport: WithHeader(http.DefaultTransport, http.Header{"Authorization": {"Bearer t"}, "X-Two": {"a", "b"}})}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Authorization", "Bearer old")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got.Get("Authorization") != "Bearer t" || len(got.Values("X-Two")) != 2 {
		t.Errorf("headers = %v", got)
	}
	if req.Header.Get("Authorization") != "Bearer old" {
		t.Error("the caller's request was modified")
	}
}
