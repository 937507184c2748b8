// Package ui is the reader's touchscreen: the screen model (what each
// appliance.Screen says, in the reader's language), the message
// catalogues, the loopback web server whose page a kiosk Chromium shows,
// and the light-ring patterns and sounds of each state. It renders what
// the lifecycle decides and posts touches back; it decides nothing.
package ui

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
)

//go:embed messages/*.json
var messageFiles embed.FS

// Languages are the display languages a configuration may name.
var Languages = []string{"en", "de", "fr", "es", "it", "nl", "pt", "ja"}

// Catalog holds every text of the screens per language.
type Catalog struct {
	texts map[string]map[string]string
}

// LoadCatalog reads the embedded catalogues. A language with a key
// missing or extra compared with English is an error: a screen never
// falls back to another language.
func LoadCatalog() (*Catalog, error) {
	c := &Catalog{texts: map[string]map[string]string{}}
	for _, lang := range Languages {
		raw, err := messageFiles.ReadFile(path.Join("messages", lang+".json"))
		if err != nil {
			return nil, fmt.Errorf("ui: catalogue %s: %w", lang, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("ui: catalogue %s: %w", lang, err)
		}
		c.texts[lang] = m
	}
	return c, c.check()
}

// check compares every language's keys and placeholders with English's.
func (c *Catalog) check() error {
	var problems []string
	en := c.texts["en"]
	for _, lang := range Languages {
		m := c.texts[lang]
		for k, v := range en {
			t, ok := m[k]
			switch {
			case !ok || strings.TrimSpace(t) == "":
				problems = append(problems, lang+": no "+k)
			case !slices.Equal(placeholders(t), placeholders(v)):
				problems = append(problems, lang+": "+k+" has placeholders "+fmt.Sprint(placeholders(t)))
			}
		}
		for k := range m {
			if _, ok := en[k]; !ok {
				problems = append(problems, lang+": "+k+" is not an English key")
			}
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("ui: catalogues: %s", strings.Join(problems, "; "))
	}
	return nil
}

// placeholders are the {names} of a text, in order.
func placeholders(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		j := strings.IndexByte(s[i+1:], '}')
		if i < 0 || j < 0 {
			return out
		}
		out = append(out, s[i+1:i+1+j])
		s = s[i+j+2:]
	}
}

// Has reports whether lang is a catalogue's language.
func (c *Catalog) Has(lang string) bool { _, ok := c.texts[lang]; return ok }

// Text is key in lang with {name} placeholders filled from args (name,
// value pairs). ok is false for an unknown key or language.
func (c *Catalog) Text(lang, key string, args ...string) (string, bool) {
	t, ok := c.texts[lang][key]
	if !ok {
		return "", false
	}
	for i := 0; i+1 < len(args); i += 2 {
		t = strings.ReplaceAll(t, "{"+args[i]+"}", args[i+1])
	}
	return t, true
}

// Keys are the English catalogue's keys, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.texts["en"]))
	for k := range c.texts["en"] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
