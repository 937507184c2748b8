package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of strings in request bodies: a name, an address line or a tag
// fits the first; device bodies carry PEM (a CSR) and activation tokens.
const (
	manageStringLimit = 256
	deviceStringLimit = 16 << 10
)

// errBody is wrapped by every refusal of a request body; the message
// names the field at fault.
var errBody = errors.New("bad request body")

// readJSON decodes a request body strictly and answers 400 naming the
// field at fault when it is not exactly one JSON value of v's shape:
// Content-Type application/json, at most limit bytes, valid UTF-8, known
// fields only, nothing after the value, and every string (map keys too)
// at most maxString bytes long and free of control characters.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, maxString int, v any) bool {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", err.Error())
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is larger than %d bytes", limit))
			return false
		}
		writeError(w, http.StatusBadRequest, "bad_request", "body: "+err.Error())
		return false
	}
	if err := decodeBody(body, maxString, v); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return false
	}
	return true
}

func checkContentType(ct string) error {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return fmt.Errorf("Content-Type must be application/json, not %q", ct)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return fmt.Errorf("charset must be utf-8, not %q", cs)
	}
	return nil
}

// decodeBody is readJSON's decoder, apart from HTTP.
func decodeBody(body []byte, maxString int, v any) error {
	if err := decodeStrict(body, v); err != nil {
		return err
	}
	return checkStrings(reflect.ValueOf(v), "body", maxString)
}

// decodeStrict decodes exactly one JSON value into v, refusing unknown
// fields, invalid UTF-8 (which encoding/json would silently replace) and
// anything after the value.
func decodeStrict(b []byte, v any) error {
	if !utf8.Valid(b) {
		return fmt.Errorf("%w: not valid UTF-8", errBody)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describe(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: data after the JSON value at offset %d", errBody, dec.InputOffset())
	}
	return nil
}

// describe turns a decoding error into one that names the field.
func describe(err error) error {
	var typ *json.UnmarshalTypeError
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Errorf("%w: %s: %s is not a %s", errBody, typ.Field, typ.Value, typ.Type)
	case errors.As(err, &syn):
		return fmt.Errorf("%w: invalid JSON at offset %d: %v", errBody, syn.Offset, syn)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: empty", errBody)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("%w: %s", errBody, strings.TrimPrefix(err.Error(), "json: "))
	}
	return fmt.Errorf("%w: %v", errBody, err)
}

// checkStrings walks a decoded value and checks every string in it.
func checkStrings(v reflect.Value, path string, max int) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return checkStrings(v.Elem(), path, max)
		}
	case reflect.String:
		return checkString(v.String(), path, max)
	case reflect.Struct:
		return checkFields(v, path, max)
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // bytes (base64 in JSON): bounded by the body limit
		}
		for i := range v.Len() {
			if err := checkStrings(v.Index(i), path+"["+strconv.Itoa(i)+"]", max); err != nil {
				return err
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			key := fmt.Sprint(it.Key().Interface())
			if err := checkStrings(it.Key(), path+" key", max); err != nil {
				return err
			}
			if err := checkStrings(it.Value(), path+"."+key, max); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkFields(v reflect.Value, path string, max int) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := path
		if !f.Anonymous {
			name = path + "." + jsonName(f)
		}
		if err := checkStrings(v.Field(i), name, max); err != nil {
			return err
		}
	}
	return nil
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" || name == "-" {
		return f.Name
	}
	return name
}

func checkString(s, path string, max int) error {
	if len(s) > max {
		return fmt.Errorf("%w: %s: longer than %d bytes", errBody, path, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return fmt.Errorf("%w: %s: control character %U", errBody, path, r)
		}
	}
	return nil
}
