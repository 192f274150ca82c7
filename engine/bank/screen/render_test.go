package screen

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	"go.yaml.in/yaml/v3"
)

// samples parses testdata/samples.yaml: name -> screen spec.
func samples(t testing.TB) (names []string, specs map[string]*Spec) {
	t.Helper()
	data, err := os.ReadFile("testdata/samples.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	top := doc.Content[0]
	specs = map[string]*Spec{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		name := top.Content[i].Value
		s, err := Parse(top.Content[i+1])
		if err != nil {
			t.Fatalf("sample %s: %v", name, err)
		}
		names = append(names, name)
		specs[name] = s
	}
	return names, specs
}

// TestRenderSamples draws every sample: 720 px wide, a height within the
// limits, the same bytes twice. With SCREEN_OUT=dir the pictures are written
// there, to look at.
func TestRenderSamples(t *testing.T) {
	names, specs := samples(t)
	out := os.Getenv("SCREEN_OUT")
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			a, err := Render(specs[name])
			if err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			if i%3 == 0 { // a few are enough: the race detector makes a render slow
				b, err := Render(specs[name])
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a, b) {
					t.Error("two renders of the same spec differ")
				}
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(a))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Width != Width || cfg.Height < MinHeight || cfg.Height > MaxHeight {
				t.Errorf("%d×%d px, want %d wide and %d to %d tall", cfg.Width, cfg.Height, Width, MinHeight, MaxHeight)
			}
			t.Logf("%s: %d×%d px, %d KB, %v", name, cfg.Width, cfg.Height, len(a)/1024, took.Round(time.Millisecond))
			if out != "" {
				if err := os.WriteFile(filepath.Join(out, name+".png"), a, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestQRScans decodes the drawn QR code of the parking sample with an
// independent reader, from the whole screen as a phone camera would see it.
func TestQRScans(t *testing.T) {
	_, specs := samples(t)
	data, err := Render(specs["parking"])
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("the QR code does not scan: %v", err)
	}
	if got, want := res.GetText(), "https://exemple-parking.info/payer"; got != want {
		t.Errorf("scanned %q, want %q", got, want)
	}
}

// TestTooTall: a screen longer than a phone's is an error that says what to do.
func TestTooTall(t *testing.T) {
	s := &Spec{App: "Long", Status: DefaultStatus}
	for range MaxBlocks {
		s.Blocks = append(s.Blocks, Block{Kind: Picture, Text: "Une photo", Size: "large"})
	}
	if _, err := Render(s); err == nil {
		t.Fatal("a screen of 14 large pictures rendered")
	}
}

func BenchmarkRender(b *testing.B) {
	_, specs := samples(b)
	for b.Loop() {
		if _, err := Render(specs["mail"]); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGlue: French spacing signs and groups of digits never start or end a
// line alone.
func TestGlue(t *testing.T) {
	const nb = "\u00a0"
	tests := []struct{ in, want string }{
		{"Payez 1,99 € : https://x.info", "Payez|1,99" + nb + "€" + nb + ":|https://x.info"},
		{"Il dit « bonjour » !", "Il|dit|«" + nb + "bonjour" + nb + "»" + nb + "!"},
		{"Appelez le 06 39 98 12 34 vite", "Appelez|le|06" + nb + "39" + nb + "98" + nb + "12" + nb + "34|vite"},
		{"Salaire : 2 400 € net", "Salaire" + nb + ":|2" + nb + "400" + nb + "€|net"},
		{"100 % sûr", "100" + nb + "%|sûr"},
		{": début", ":|début"},
		{"fin «", "fin|«"},
	}
	for _, tt := range tests {
		if got := strings.Join(glue(strings.Fields(tt.in)), "|"); got != tt.want {
			t.Errorf("glue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
