package attest

import (
	"bytes"
	"compress/zlib"
	"image/png"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// TestPNGShowsAScannableQRCode: the PNG decodes, is phone-wide, and its QR
// code reads back (ZXing, independent of the encoder) as the verification
// page.
func TestPNGShowsAScannableQRCode(t *testing.T) {
	e := newEnv(t)
	slot, is := e.issueFor(t, "telegram:1", "Yanis Benali")
	img, err := png.Decode(bytes.NewReader(is.Files[1].Data))
	if err != nil {
		t.Fatalf("the PNG does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != pngWidth || b.Dy() < 1200 || b.Dy() >= 1400+170*3 {
		t.Errorf("PNG %v: want %d wide, one page long", b, pngWidth)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// TRY_HARDER, as a phone's scanner does: the quick pass of this
	// decoder misses a well-formed code now and then (one run in many, the
	// test server's port changing the code's pattern).
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("the QR code does not scan: %v", err)
	}
	if res.GetText() != e.srv.URL+"/v/"+slot.Code {
		t.Errorf("QR code reads %q", res.GetText())
	}
	if len(is.Files[1].Data) > 400<<10 {
		t.Errorf("PNG of %d KB: too heavy for a phone", len(is.Files[1].Data)>>10)
	}
}

// TestPDFIsOnePageWithTheTexts parses the PDF back: its cross-reference
// table points at its objects, it has one A4 page, the QR code's link, and
// (through the fonts' ToUnicode maps) the texts it must show.
func TestPDFIsOnePageWithTheTexts(t *testing.T) {
	e := newEnv(t)
	slot, is := e.issueFor(t, "telegram:1", "Yanis Benali")
	pdf := is.Files[0].Data
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) || !bytes.HasSuffix(bytes.TrimSpace(pdf), []byte("%%EOF")) {
		t.Fatal("no PDF header or trailer")
	}
	m := regexp.MustCompile(`startxref\s+(\d+)`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	off, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[off:], []byte("xref")) {
		t.Fatalf("startxref %d does not point at the xref table", off)
	}
	rows := regexp.MustCompile(`(\d{10}) 00000 n`).FindAllSubmatch(pdf[off:], -1)
	for i, r := range rows {
		o, _ := strconv.Atoi(string(r[1]))
		if !bytes.HasPrefix(pdf[o:], []byte(strconv.Itoa(i+1)+" 0 obj")) {
			t.Fatalf("xref entry %d points at %q", i+1, pdf[o:min(o+12, len(pdf))])
		}
	}
	if n := len(regexp.MustCompile(`/Type /Page\b`).FindAll(pdf, -1)); n != 1 {
		t.Errorf("%d pages, want 1", n)
	}
	if !bytes.Contains(pdf, []byte("/MediaBox [0 0 595.28 841.89]")) {
		t.Error("not A4")
	}
	if !bytes.Contains(pdf, []byte("/URI ("+e.srv.URL+"/v/"+slot.Code+")")) {
		t.Error("the QR code is not a link to the verification page")
	}
	text := pdfText(t, pdf)
	for _, want := range []string{"Attestation de positionnement", "Yanis Benali", "ce n'est pas une certification",
		PrintCode(slot.Code), "7 décembre 2026", "18 questions", "2.1", "5/8 · avancé", "1/8 · débutant", "Mission Locale de Lille"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q", want)
		}
	}
	if strings.Contains(text, "5.2") {
		t.Error("a competence without a question is printed")
	}
}

// pdfText extracts the text of a PDF written with fpdf's UTF-8 fonts: its
// content streams show UTF-16BE strings, and each font carries a ToUnicode
// map so a reader can copy the text.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if n := bytes.Count(pdf, []byte("/ToUnicode")); n != 2 {
		t.Errorf("%d fonts with a ToUnicode map, want 2 (regular, bold)", n)
	}
	var out strings.Builder
	re := regexp.MustCompile(`(?s)/Filter /FlateDecode[^>]*>>\s*stream\r?\n`)
	tj := regexp.MustCompile(`(?s)\(((?:\\.|[^\\)])*)\)\s*Tj`)
	for _, loc := range re.FindAllIndex(pdf, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(pdf[loc[1]:]))
		if err != nil {
			continue
		}
		s, _ := io.ReadAll(zr)
		for _, m := range tj.FindAllSubmatch(s, -1) {
			out.WriteString(utf16be(unescapePDF(m[1])) + "\n")
		}
	}
	if out.Len() == 0 {
		t.Fatal("no text found in the PDF")
	}
	return out.String()
}

// unescapePDF undoes a literal string's escapes (\\, \(, \), \n, \r, \t, octal).
func unescapePDF(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		i++
		switch c := b[i]; {
		case c == 'n':
			out = append(out, '\n')
		case c == 'r':
			out = append(out, '\r')
		case c == 't':
			out = append(out, '\t')
		case c >= '0' && c <= '7':
			v, n := 0, 0
			for ; n < 3 && i < len(b) && b[i] >= '0' && b[i] <= '7'; n++ {
				v = v*8 + int(b[i]-'0')
				i++
			}
			i--
			out = append(out, byte(v))
		default:
			out = append(out, c)
		}
	}
	return out
}

func utf16be(b []byte) string {
	var u []uint16
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return string(utf16.Decode(u))
}
