package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/palmd/palmd/firmware/api"
)

// TestStrictBodies: bodies that are not exactly one well-formed JSON value
// of the expected shape are refused with 400 (415 for the wrong type),
// naming the field, and nothing is stored.
func TestStrictBodies(t *testing.T) {
	svc := startService(t, "", "")
	siteBody := `{"name":"HQ","address":{"addressLine1":"1 Main St","city":"Springfield","countryCode":"US"}}`
	for _, tc := range []struct {
		name, ctype, body, want string
	}{
		{"garbage after the value", "application/json", siteBody + "GARBAGE", "400 Bad Request: bad request body: data after the JSON value"},
		{"a second value", "application/json", siteBody + siteBody, "400 Bad Request: bad request body: data after the JSON value"},
		{"text/plain", "text/plain", siteBody, "415 Unsupported Media Type: Content-Type must be application/json"},
		{"no Content-Type", "", siteBody, "415 Unsupported Media Type"},
		{"another charset", "application/json; charset=latin1", siteBody, "415 Unsupported Media Type: charset"},
		{"NUL in a string", "application/json", strings.Replace(siteBody, `"HQ"`, `"H\u0000Q"`, 1), "400 Bad Request: bad request body: body.name: control character U+0000"},
		{"invalid UTF-8", "application/json", strings.Replace(siteBody, `"HQ"`, "\"H\xffQ\"", 1), "400 Bad Request: bad request body: not valid UTF-8"},
		{"60 kB name", "application/json", strings.Replace(siteBody, `"HQ"`, `"`+strings.Repeat("x", 60000)+`"`, 1), "400 Bad Request: bad request body: body.name: longer than 256 bytes"},
		{"long address line", "application/json", strings.Replace(siteBody, `"1 Main St"`, `"`+strings.Repeat("x", 300)+`"`, 1), "body.address.addressLine1: longer than 256 bytes"},
		{"unknown field", "application/json", strings.Replace(siteBody, `"name"`, `"nmae":"x","name"`, 1), `400 Bad Request: bad request body: unknown field "nmae"`},
		{"wrong type", "application/json", strings.Replace(siteBody, `"HQ"`, `17`, 1), "400 Bad Request: bad request body: name: number is not a string"},
		{"over the size limit", "application/json", strings.Replace(siteBody, `"HQ"`, `"`+strings.Repeat("x", 70000)+`"`, 1), "413 Request Entity Too Large"},
		{"empty", "application/json", "", "400 Bad Request: bad request body: empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := svc.admin.send(context.Background(), "POST", "/manage/sites", strings.NewReader(tc.body), tc.ctype, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
	var sites struct{ Sites []site }
	svc.must("GET", "/manage/sites", nil, &sites)
	if len(sites.Sites) != 0 {
		t.Fatalf("refused bodies stored %d sites", len(sites.Sites))
	}
	if err := svc.admin.send(context.Background(), "POST", "/manage/sites", strings.NewReader(siteBody), "application/json; charset=utf-8", nil); err != nil {
		t.Fatalf("a good body was refused: %v", err)
	}
}

// FuzzDecodeBody: the strict decoder never panics, and what it accepts is
// one value of the target's shape whose strings all respect the bounds.
func FuzzDecodeBody(f *testing.F) {
	f.Add([]byte(`{"name":"HQ","address":{"addressLine1":"1 Main St","city":"S","countryCode":"US"}}`))
	f.Add([]byte(`{"events":[{"id":"a","type":"Successful Recognition","time":"2026-01-01T00:00:00Z","data":{"badge":"1"}}]}`))
	f.Add([]byte(`{"name":"HQ"}GARBAGE`))
	f.Add([]byte("{\"name\":\"\xff\"}"))
	f.Add([]byte(`{"tags":{"k\u0000":"v"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, target := range []func() any{
			func() any {
				return &struct {
					Name    string  `json:"name"`
					Address address `json:"address"`
				}{}
			},
			func() any { return &api.EventBatch{} },
			func() any { return &map[string]string{} },
		} {
			v := target()
			err := decodeBody(b, 64, v)
			if err != nil {
				if !errors.Is(err, errBody) {
					t.Fatalf("error %v does not wrap errBody", err)
				}
				continue
			}
			if !utf8.Valid(b) {
				t.Fatalf("accepted invalid UTF-8 %q", b)
			}
			again, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			w := target()
			if err := decodeBody(again, 64, w); err != nil || !reflect.DeepEqual(v, w) {
				t.Fatalf("accepted %q, which re-encodes to %q that decodes to %v (%v)", b, again, w, err)
			}
			if bytes.ContainsRune(again, 0) {
				t.Fatalf("accepted a NUL: %q", b)
			}
		}
	})
}
