package ui

import (
	"strings"
	"testing"

	"github.com/palmd/palmd/firmware/api"
)

// TestEveryKeyInEveryLanguage: the catalogues load only when every
// language has every English key, with the same placeholders.
func TestEveryKeyInEveryLanguage(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		for _, k := range c.Keys() {
			if s, ok := c.Text(lang, k); !ok || s == "" {
				t.Errorf("%s: no %s", lang, k)
			}
		}
	}
}

// TestCatalogueCheck: a key missing, an extra key, and a lost placeholder
// are each caught.
func TestCatalogueCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(c *Catalog)
		want   string
	}{
		{"missing", func(c *Catalog) { delete(c.texts["ja"], "access-granted.title") }, "ja: no access-granted.title"},
		{"extra", func(c *Catalog) { c.texts["de"]["only.german"] = "nur" }, "de: only.german is not an English key"},
		{"placeholder", func(c *Catalog) { c.texts["fr"]["wifi-password.title"] = "Mot de passe" }, "fr: wifi-password.title has placeholders"},
		{"empty", func(c *Catalog) { c.texts["nl"]["hint.moving"] = " " }, "nl: no hint.moving"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadCatalog()
			if err != nil {
				t.Fatal(err)
			}
			tc.change(c)
			if err := c.check(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("check: %v, want %q", err, tc.want)
			}
		})
	}
}

// TestLanguagesAreTheConfigurations: every catalogue language is one a
// service configuration may name.
func TestLanguagesAreTheConfigurations(t *testing.T) {
	for _, lang := range Languages {
		c := api.DefaultConfig()
		c.Language = lang
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", lang, err)
		}
	}
}

func TestText(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Text("de", "wifi-password.title", "ssid", "Büro"); s != "Passwort für Büro" {
		t.Fatalf("%q", s)
	}
	if _, ok := c.Text("xx", "setup.title"); ok {
		t.Fatal("a language without a catalogue gave a text")
	}
}
