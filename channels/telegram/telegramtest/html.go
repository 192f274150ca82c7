package telegramtest

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// htmlError is a parse failure, worded like Telegram's so that it reads the
// same after "Bad Request: can't parse entities: ".
type htmlError string

func (e htmlError) Error() string { return string(e) }

func htmlErrorf(format string, args ...any) error { return htmlError(fmt.Sprintf(format, args...)) }

// parseHTML parses text the way Telegram's parse_mode HTML does: it follows
// the parser of tdlib (td/telegram/MessageEntity.cpp, parse_html), which the
// Bot API server uses, byte for byte, so a message accepted or refused here
// is accepted or refused there, with the same error text and byte offsets.
// It returns the text the user sees and its entities (offsets in UTF-16 code
// units, as the Bot API counts them).
//
// The single deliberate difference: unless lenient is set, a '&' that starts
// no entity Telegram knows (&lt; &gt; &amp; &quot; &#N; &#xN;) is refused,
// where Telegram would keep it literally; see WithLenientHTML.
func parseHTML(text string, lenient bool) (string, []models.MessageEntity, error) {
	at := func(i int) byte {
		if i < len(text) {
			return text[i]
		}
		return 0 // tdlib reads a NUL-terminated string
	}
	type open struct {
		tag      string
		arg      string
		offset   int // UTF-16 offset in the result
		beginPos int // byte offset in the result
	}
	var (
		out          strings.Builder
		stack        []open
		entities     []models.MessageEntity
		utf16        int
		badSurrogate bool
	)
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '&' {
			if code, next, ok := decodeHTMLEntity(text, i); ok {
				if code >= 0xd800 && code <= 0xdfff {
					badSurrogate = true // tdlib reports it only once the markup parsed
				}
				utf16++
				if code > 0xffff {
					utf16++
				}
				out.WriteRune(rune(code))
				i = next - 1
				continue
			}
			if !lenient {
				return "", nil, htmlErrorf("Character \"&\" at byte offset %d is not an entity; escape it as &amp; (telegramtest strict HTML: Telegram itself would keep it literally)", i)
			}
		}
		if c != '<' {
			if c&0xc0 != 0x80 { // first byte of a UTF-8 sequence
				utf16++
				if c >= 0xf0 { // 4-byte sequence: a surrogate pair in UTF-16
					utf16++
				}
			}
			out.WriteByte(c)
			continue
		}

		beginPos := i
		i++
		if at(i) != '/' {
			// A start tag.
			for !isHTMLSpace(at(i)) && at(i) != '>' {
				i++
			}
			if at(i) == 0 {
				return "", nil, htmlErrorf("Unclosed start tag at byte offset %d", beginPos)
			}
			tag := strings.ToLower(text[beginPos+1 : i])
			switch tag {
			case "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
				"tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote":
			default:
				return "", nil, htmlErrorf("Unsupported start tag %q at byte offset %d", tag, beginPos)
			}
			arg := ""
			for at(i) != '>' {
				for at(i) != 0 && isHTMLSpace(at(i)) {
					i++
				}
				if at(i) == '>' {
					break
				}
				attrBegin := i
				for !isHTMLSpace(at(i)) && at(i) != '=' && at(i) != '>' && at(i) != '/' && at(i) != '"' && at(i) != '\'' {
					i++
				}
				attr := text[attrBegin:min(i, len(text))]
				if attr == "" {
					return "", nil, htmlErrorf("Empty attribute name in the tag %q at byte offset %d", tag, beginPos)
				}
				for at(i) != 0 && isHTMLSpace(at(i)) {
					i++
				}
				if at(i) != '=' {
					if at(i) == 0 {
						return "", nil, htmlErrorf("Unclosed start tag %q at byte offset %d", tag, beginPos)
					}
					if tag == "blockquote" && attr == "expandable" {
						arg = "1"
					}
					continue
				}
				i++
				for at(i) != 0 && isHTMLSpace(at(i)) {
					i++
				}
				if at(i) == 0 {
					return "", nil, htmlErrorf("Unclosed start tag %q at byte offset %d", tag, beginPos)
				}
				var value string
				if at(i) != '\'' && at(i) != '"' {
					// A name token: letters, digits, periods, hyphens; not case sensitive.
					tokenBegin := i
					for isASCIIAlnum(at(i)) || at(i) == '.' || at(i) == '-' {
						i++
					}
					value = strings.ToLower(text[tokenBegin:i])
					if !isHTMLSpace(at(i)) && at(i) != '>' {
						return "", nil, htmlErrorf("Unexpected end of name token at byte offset %d", tokenBegin)
					}
				} else {
					// A quoted string, in which entities are decoded; an
					// unknown '&' stays literal even in strict mode, since
					// URLs carry them and Telegram never refuses them.
					end := at(i)
					i++
					var v strings.Builder
					for at(i) != end && at(i) != 0 {
						if at(i) == '&' {
							if code, next, ok := decodeHTMLEntity(text, i); ok {
								v.WriteRune(rune(code))
								i = next
								continue
							}
						}
						v.WriteByte(at(i))
						i++
					}
					if at(i) == end {
						i++
					}
					value = v.String()
				}
				if at(i) == 0 {
					return "", nil, htmlErrorf("Unclosed start tag at byte offset %d", beginPos)
				}
				switch {
				case tag == "a" && attr == "href":
					arg = value
				case tag == "code" && attr == "class" && strings.HasPrefix(value, "language-"):
					arg = value[len("language-"):]
				case tag == "span" && attr == "class" && strings.HasPrefix(value, "tg-"):
					arg = value[len("tg-"):]
				case tag == "tg-emoji" && attr == "emoji-id":
					arg = value
				case tag == "blockquote" && attr == "expandable":
					arg = "1"
				}
			}
			if tag == "span" && arg != "spoiler" {
				return "", nil, htmlErrorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", beginPos)
			}
			stack = append(stack, open{tag: tag, arg: arg, offset: utf16, beginPos: out.Len()})
			continue
		}

		// An end tag.
		if len(stack) == 0 {
			return "", nil, htmlErrorf("Unexpected end tag at byte offset %d", beginPos)
		}
		for !isHTMLSpace(at(i)) && at(i) != '>' {
			i++
		}
		endTag := strings.ToLower(text[beginPos+2 : min(i, len(text))])
		for isHTMLSpace(at(i)) && at(i) != 0 {
			i++
		}
		if at(i) != '>' {
			return "", nil, htmlErrorf("Unclosed end tag at byte offset %d", beginPos)
		}
		top := stack[len(stack)-1]
		if endTag != "" && endTag != top.tag {
			return "", nil, htmlErrorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", beginPos, top.tag, endTag)
		}
		if utf16 > top.offset {
			e := models.MessageEntity{Offset: top.offset, Length: utf16 - top.offset}
			switch top.tag {
			case "i", "em":
				e.Type = models.MessageEntityTypeItalic
			case "b", "strong":
				e.Type = models.MessageEntityTypeBold
			case "s", "strike", "del":
				e.Type = models.MessageEntityTypeStrikethrough
			case "u", "ins":
				e.Type = models.MessageEntityTypeUnderline
			case "tg-spoiler", "span":
				e.Type = models.MessageEntityTypeSpoiler
			case "tg-emoji":
				id, err := strconv.ParseInt(top.arg, 10, 64)
				if err != nil || id == 0 {
					return "", nil, htmlError("Invalid custom emoji identifier specified")
				}
				e.Type, e.CustomEmojiID = models.MessageEntityTypeCustomEmoji, top.arg
			case "a":
				link := top.arg
				if link == "" {
					link = out.String()[top.beginPos:]
				}
				if id, found := strings.CutPrefix(link, "tg://user?id="); found {
					uid, err := strconv.ParseInt(id, 10, 64)
					if err != nil {
						break // Telegram drops links it cannot use
					}
					e.Type, e.User = models.MessageEntityTypeTextMention, &models.User{ID: uid}
				} else {
					e.Type, e.URL = models.MessageEntityTypeTextLink, link
				}
			case "pre":
				if n := len(entities); n > 0 && entities[n-1].Type == models.MessageEntityTypeCode &&
					entities[n-1].Offset == e.Offset && entities[n-1].Length == e.Length && entities[n-1].Language != "" {
					entities[n-1].Type = models.MessageEntityTypePre // <pre><code class="language-x">
					break
				}
				e.Type = models.MessageEntityTypePre
			case "code":
				if n := len(entities); n > 0 && entities[n-1].Type == models.MessageEntityTypePre &&
					entities[n-1].Offset == e.Offset && entities[n-1].Length == e.Length && top.arg != "" {
					entities[n-1].Language = top.arg
					break
				}
				e.Type, e.Language = models.MessageEntityTypeCode, top.arg
			case "blockquote":
				e.Type = models.MessageEntityTypeBlockquote
				if top.arg == "1" {
					e.Type = models.MessageEntityTypeExpandableBlockquote
				}
			}
			if e.Type != "" {
				entities = append(entities, e)
			}
		}
		stack = stack[:len(stack)-1]
	}
	if len(stack) > 0 {
		return "", nil, htmlErrorf("Can't find end tag corresponding to start tag %q", stack[len(stack)-1].tag)
	}
	for i := range entities {
		if entities[i].Type == models.MessageEntityTypeCode {
			entities[i].Language = "" // only pre blocks keep a language
		}
	}
	slices.SortStableFunc(entities, func(a, b models.MessageEntity) int {
		return cmp.Or(cmp.Compare(a.Offset, b.Offset), cmp.Compare(b.Length, a.Length))
	})
	result := out.String()
	if badSurrogate || !utf8.ValidString(result) {
		return "", nil, htmlError("Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units")
	}
	return result, entities, nil
}

// decodeHTMLEntity decodes the character reference at text[pos] == '&' the
// way tdlib does: &lt; &gt; &amp; &quot; and numeric references, with the
// semicolon optional. ok is false when Telegram would keep the '&' literally.
func decodeHTMLEntity(text string, pos int) (code uint32, next int, ok bool) {
	at := func(i int) byte {
		if i < len(text) {
			return text[i]
		}
		return 0
	}
	end := pos + 1
	var res uint64
	if at(pos+1) == '#' {
		end++
		if at(pos+2) == 'x' {
			end++
			for isHexDigit(at(end)) {
				res = min(res*16+uint64(hexValue(at(end))), 1<<32)
				end++
			}
		} else {
			for at(end) >= '0' && at(end) <= '9' {
				res = min(res*10+uint64(at(end)-'0'), 1<<32)
				end++
			}
		}
		if res == 0 || res >= 0x10ffff || end-pos >= 10 {
			return 0, 0, false
		}
	} else {
		for isASCIIAlpha(at(end)) {
			end++
		}
		switch text[pos+1 : end] {
		case "lt":
			res = '<'
		case "gt":
			res = '>'
		case "amp":
			res = '&'
		case "quot":
			res = '"'
		default:
			return 0, 0, false
		}
	}
	if at(end) == ';' {
		end++
	}
	return uint32(res), end, true
}

// isHTMLSpace is tdlib's is_space, which also treats the terminating NUL as a
// space; the scanning loops rely on it to stop at the end of the text.
func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0 || c == '\v'
}

func isASCIIAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isASCIIAlnum(c byte) bool { return isASCIIAlpha(c) || c >= '0' && c <= '9' }

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	default:
		return int(c-'A') + 10
	}
}

// utf16Len counts UTF-16 code units, the unit of Bot API entity offsets.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xffff {
			n++
		}
	}
	return n
}
