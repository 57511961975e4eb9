// Package i18n holds the customer pages' texts in every language entrypay speaks (English
// always, plus Simplified and Traditional Chinese, Korean, Thai, Indonesian, Malay,
// Filipino and Japanese) and chooses the language for a request.
package i18n

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/text/language"
)

//go:embed messages.json
var messagesJSON []byte

// Catalog is every message in every language.
type Catalog struct {
	messages map[string]map[string]string
	tags     []string // in the order of entrypay.Languages, English first
	matcher  language.Matcher
}

// Tags are the languages, English first; they match entrypay.Languages.
var Tags = []string{"en", "zh-Hans", "zh-Hant", "ko", "th", "id", "ms", "fil", "ja"}

// Load reads the embedded catalog and checks that every language has every English key.
func Load() (*Catalog, error) {
	var m map[string]map[string]string
	if err := json.Unmarshal(messagesJSON, &m); err != nil {
		return nil, fmt.Errorf("messages.json: %w", err)
	}
	c := &Catalog{messages: m, tags: Tags}
	en := m["en"]
	var parsed []language.Tag
	for _, tag := range Tags {
		msgs, ok := m[tag]
		if !ok {
			return nil, fmt.Errorf("messages.json: no %s", tag)
		}
		for key, text := range en {
			other, ok := msgs[key]
			if !ok || other == "" {
				return nil, fmt.Errorf("messages.json: %s lacks %q", tag, key)
			}
			if !samePlaceholders(text, other) {
				return nil, fmt.Errorf("messages.json: %s %q has other placeholders than English", tag, key)
			}
		}
		parsed = append(parsed, language.MustParse(tag))
	}
	c.matcher = language.NewMatcher(parsed)
	return c, nil
}

var placeholder = regexp.MustCompile(`\{[a-z]+\}`)

func samePlaceholders(a, b string) bool {
	pa, pb := placeholder.FindAllString(a, -1), placeholder.FindAllString(b, -1)
	sort.Strings(pa)
	sort.Strings(pb)
	return strings.Join(pa, ",") == strings.Join(pb, ",")
}

// Has reports whether tag is one of the catalog's languages.
func (c *Catalog) Has(tag string) bool {
	_, ok := c.messages[tag]
	return ok
}

// T returns the message key in language tag with {name} placeholders filled from args
// (pairs of name, value). Unknown languages fall back to English; an unknown key is shown
// as itself so that a missing text is visible rather than blank.
func (c *Catalog) T(tag, key string, args ...string) string {
	text, ok := c.messages[tag][key]
	if !ok {
		if text, ok = c.messages["en"][key]; !ok {
			return key
		}
	}
	for i := 0; i+1 < len(args); i += 2 {
		text = strings.ReplaceAll(text, "{"+args[i]+"}", args[i+1])
	}
	return text
}

// Name returns a language's own name, for the language switcher.
func (c *Catalog) Name(tag string) string { return c.T(tag, "lang_name") }

// walletLanguage finds the "Language/zh-Hans" token that Alipay-family in-app browsers
// put in their User-Agent.
var walletLanguage = regexp.MustCompile(`Language/([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)`)

// Choose picks the page language. In order: an explicit choice (the switcher), the
// wallet's own language in its User-Agent, the browser's Accept-Language, the wallet's
// home languages, and English.
func (c *Catalog) Choose(explicit, userAgent, acceptLanguage string, walletLanguages []string) string {
	if c.Has(explicit) {
		return explicit
	}
	// Each source is asked on its own, in order, so that a weaker match from an earlier
	// source (the wallet's zh-HK → zh-Hant) beats an exact one from a later (the phone's
	// en-US Accept-Language).
	var sources [][]language.Tag
	// Alipay-family user agents may carry several Language/ tokens (AlipayHK's embeds
	// Alipay's); the first is the app the customer is in.
	if m := walletLanguage.FindStringSubmatch(userAgent); m != nil {
		if t, err := language.Parse(strings.ReplaceAll(m[1], "_", "-")); err == nil {
			sources = append(sources, []language.Tag{t})
		}
	}
	if tags, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil && len(tags) > 0 {
		sources = append(sources, tags)
	}
	var home []language.Tag
	for _, l := range walletLanguages {
		if t, err := language.Parse(l); err == nil {
			home = append(home, t)
		}
	}
	sources = append(sources, home)
	for _, wanted := range sources {
		if len(wanted) == 0 {
			continue
		}
		if _, index, confidence := c.matcher.Match(wanted...); confidence != language.No {
			return c.tags[index]
		}
	}
	return "en"
}
