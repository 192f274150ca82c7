package attest

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"codeberg.org/go-pdf/fpdf"

	"github.com/diagbot/diagbot/channels/chart"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
)

// Page is what the printed attestation shows, the same on the PDF and the
// PNG.
type Page struct {
	Name      string
	Date      string // "7 décembre 2026"
	Questions int
	Rows      []Row
	Code      string // as printed: "ABCDE-FGHJK"
	URL       string // the verification page, the QR code's target
	Issuer    string
	IssuedAt  time.Time
}

// Row is one competence measured.
type Row struct {
	ID, Name string
	Level    int
}

// PageOf lays out an attestation.
func PageOf(v dialog.AttestationView, code, verifyURL, issuer string, issuedAt time.Time) Page {
	p := Page{Name: shorten(strings.TrimSpace(v.Name), maxPrintedName), Date: frenchDate(v.FinishedAt), Questions: v.Questions,
		Code: PrintCode(code), URL: verifyURL, Issuer: issuer, IssuedAt: issuedAt}
	for _, r := range v.Result.Competences {
		if r.Questions == 0 {
			continue
		}
		name := r.Competence
		if c, ok := engine.CompetenceByID(r.Competence); ok {
			name = c.NameFR
		}
		p.Rows = append(p.Rows, Row{ID: r.Competence, Name: name, Level: min(r.Level, engine.MaxLevel)})
	}
	return p
}

// maxPrintedName bounds the printed name: two lines of the PDF.
const maxPrintedName = 80

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// PrintCode groups a code in fives, easier to read aloud and to type.
func PrintCode(code string) string {
	if len(code) == 10 {
		return code[:5] + "-" + code[5:]
	}
	return code
}

// NormalizeCode reads a code as a person types it: any case, with or
// without the dash or spaces.
func NormalizeCode(s string) string {
	s = strings.ToUpper(s)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, s)
}

// The texts of the page, in one place.
const (
	textTitle    = "Attestation de positionnement"
	textSubtitle = "Compétences numériques — ce n'est pas une certification"
	textGivenTo  = "Délivrée à"
	textCheck    = "Code de vérification"
)

func (p Page) intro() string {
	return fmt.Sprintf("a réalisé le %s un diagnostic adaptatif de %d questions sur les compétences numériques "+
		"du cadre de référence français (CRCN, issu du cadre européen DigComp). Niveaux mesurés, de 1 à 8\u00a0:", p.Date, p.Questions)
}

func (p Page) howToCheck() string {
	return "Vérifiable par tous\u00a0: scannez le QR code, ou ouvrez " + p.URL + "."
}

func (p Page) issuedBy() string { return "Émise par " + p.Issuer + "." }

// levelText is "3/8 · intermédiaire".
func levelText(level int) string { return fmt.Sprintf("%d/8 · %s", level, Band(level)) }

// PDF renders the page on one A4 sheet: large type, levels as filled
// squares, the code and the QR code at the bottom (the QR code is also a
// link to the verification page).
func (p Page) PDF() ([]byte, error) {
	qr, err := chart.QR(p.URL, 600, "")
	if err != nil {
		return nil, fmt.Errorf("attestation: QR code: %w", err)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(p.IssuedAt)
	pdf.SetModificationDate(p.IssuedAt)
	pdf.SetTitle(textTitle, true)
	pdf.SetAuthor(p.Issuer, true)
	pdf.SetCreator("diagbot", true)
	pdf.AddUTF8FontFromBytes("sans", "", liberationsansregular.TTF)
	pdf.AddUTF8FontFromBytes("sans", "B", liberationsansbold.TTF)
	pdf.SetMargins(18, 16, 18)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	const w = 174.0 // A4 width less the margins
	pdf.SetTextColor(0x1a, 0x1a, 0x1a)
	pdf.SetFont("sans", "B", 22)
	pdf.CellFormat(w, 10, textTitle, "", 1, "L", false, 0, "")
	pdf.SetFont("sans", "", 12)
	pdf.SetTextColor(0x55, 0x55, 0x55)
	pdf.CellFormat(w, 7, textSubtitle, "", 1, "L", false, 0, "")
	pdf.Ln(5)
	pdf.SetTextColor(0x1a, 0x1a, 0x1a)
	pdf.SetFont("sans", "", 11)
	pdf.CellFormat(w, 6, textGivenTo, "", 1, "L", false, 0, "")
	pdf.SetFont("sans", "B", 18)
	pdf.MultiCell(w, 9, p.Name, "", "L", false)
	pdf.SetFont("sans", "", 11)
	pdf.MultiCell(w, 5.5, p.intro(), "", "L", false)
	pdf.Ln(3)
	pdf.SetDrawColor(0xc8, 0xc8, 0xc8)
	pdf.Line(18, pdf.GetY(), 192, pdf.GetY())
	for _, r := range p.Rows {
		y := pdf.GetY()
		label := r.ID + "  " + r.Name
		size := 10.5
		for pdf.SetFont("sans", "", size); pdf.GetStringWidth(label) > 92 && size > 7; pdf.SetFont("sans", "", size) {
			size -= 0.5 // the longest names ("4.3 Protéger la santé…") shrink to fit
		}
		pdf.SetXY(18, y)
		pdf.CellFormat(92, 8.5, label, "", 0, "L", false, 0, "")
		pdf.SetDrawColor(0x90, 0x90, 0x90)
		for i := range engine.MaxLevel {
			style := "D"
			if i < r.Level {
				pdf.SetFillColor(0x00, 0x72, 0xb2)
				style = "FD"
			}
			pdf.Rect(112+float64(i)*4.6, y+2.4, 3.8, 3.8, style)
		}
		pdf.SetXY(150, y)
		pdf.SetFont("sans", "B", 10.5)
		pdf.CellFormat(42, 8.5, levelText(r.Level), "", 1, "R", false, 0, "")
		pdf.SetDrawColor(0xc8, 0xc8, 0xc8)
		pdf.Line(18, y+8.5, 192, y+8.5)
	}
	// The code block sits at the foot of the page, lower if the rows
	// reach it (sixteen competences and a name on two lines).
	const qrSide = 44.0
	qrTop := min(max(222.0, pdf.GetY()+4), 228.0)
	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(qr))
	pdf.ImageOptions("qr", 18, qrTop, qrSide, qrSide, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, p.URL)
	pdf.SetXY(68, qrTop+2)
	pdf.SetFont("sans", "", 11)
	pdf.CellFormat(124, 6, textCheck, "", 2, "L", false, 0, "")
	pdf.SetFont("sans", "B", 24)
	pdf.CellFormat(124, 12, p.Code, "", 2, "L", false, 0, "")
	pdf.SetFont("sans", "", 10)
	pdf.MultiCell(124, 5, p.howToCheck()+" "+p.issuedBy(), "", "L", false)
	pdf.SetXY(18, 276)
	pdf.SetFont("sans", "B", 11)
	pdf.CellFormat(w, 6, NotCertificate, "T", 1, "C", false, 0, "")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("attestation: PDF: %w", err)
	}
	return buf.Bytes(), nil
}
