package attest

import (
	"bytes"
	"html/template"
	"net/http"
)

// pageData is what the verification page shows.
type pageData struct {
	State    string // form, valid, revoked, unknown
	Code     string
	Issuer   string
	Name     string
	Date     string
	Issued   string
	Revoked  string
	Criteria string
	Rows     []pageRow
	JWT      string
}

type pageRow struct {
	Name          string
	Level         int
	Band          string
	Filled, Empty string
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Vérifier une attestation de positionnement</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:1rem;color:#1a1a1a;background:#f6f7f8;font-size:1.05rem;line-height:1.45}
main{max-width:40rem;margin:auto;background:#fff;padding:1.2rem 1.3rem;border-radius:.6rem}
h1{font-size:1.35rem;margin:.2rem 0 1rem}
.state{font-size:1.25rem;font-weight:700;padding:.7rem .9rem;border-radius:.5rem;margin:0 0 1rem}
.valid{background:#e3f4ea;color:#0b5d2a}.revoked{background:#fde8e8;color:#8a1414}.unknown{background:#fff4d6;color:#6b4b00}
table{width:100%;border-collapse:collapse}td{padding:.45rem .2rem;border-bottom:1px solid #e2e4e6;vertical-align:top}
td.l{white-space:nowrap;text-align:right}.bar{color:#0072b2;letter-spacing:.05em}
.small{color:#555;font-size:.92rem}input{font-size:1.1rem;padding:.5rem;width:12rem;text-transform:uppercase}
button{font-size:1.05rem;padding:.5rem 1rem}
</style></head><body><main>
<h1>Attestation de positionnement sur les compétences numériques</h1>
{{if eq .State "valid"}}
<p class="state valid">✅ Attestation valide</p>
<p>Délivrée à <strong>{{.Name}}</strong>{{if .Date}}, diagnostic terminé le {{.Date}}{{end}}.</p>
<table>{{range .Rows}}<tr><td>{{.Name}}</td><td class="l"><span class="bar">{{.Filled}}{{.Empty}}</span><br><strong>{{.Level}}/8</strong> · {{.Band}}</td></tr>{{end}}</table>
<p class="small">{{.Criteria}}</p>
<p class="small">Code {{.Code}} · émise par {{.Issuer}}{{if .Issued}} le {{.Issued}}{{end}} · <a href="{{.JWT}}">attestation signée (.jwt, Open Badges 3.0)</a></p>
{{else if eq .State "revoked"}}
<p class="state revoked">⛔ Attestation révoquée</p>
<p>L'attestation {{.Code}} a été révoquée le {{.Revoked}} : la personne a effacé ses données. Elle ne prouve plus rien, et ce qu'elle disait n'est plus conservé.</p>
{{else if eq .State "unknown"}}
<p class="state unknown">❓ Code inconnu</p>
<p>Aucune attestation ne porte le code {{.Code}}. Vérifiez-le : 10 caractères, sans O, I, L, 0 ni 1.</p>
{{end}}
{{if ne .State "valid"}}<form action="/" method="get"><p><label for="code">Code de vérification</label><br>
<input id="code" name="code" autocomplete="off" placeholder="ABCDE-FGHJK" required> <button>Vérifier</button></p></form>{{end}}
<p class="small"><strong>Attestation de positionnement — ce n'est pas une certification.</strong> Elle dit où la personne en était ce jour-là, mesuré par un diagnostic adaptatif.</p>
</main></body></html>
`))

func (s *Server) page(w http.ResponseWriter, status int, d pageData) {
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, d); err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
