// Package chart draws the pictures diagbot sends: a learner's levels as a
// radar chart (Telegram), a campaign's average levels as horizontal bars
// (Slack), and a campaign's QR code for a printed sheet.
//
// Every function returns PNG bytes and nothing else, so a channel only has to
// upload them; the package does no I/O, keeps no state beyond the parsed
// fonts, and is safe for concurrent use. The same input always gives the same
// bytes, so pictures can be cached and compared in tests.
//
// The pictures are made for a phone: Telegram shows a photo 400–600 px wide,
// so the 800 px default uses 22 px labels and 30 px titles, near-black text
// on white, and one colour-blind-safe hue (Okabe–Ito blues). Text is set in
// Liberation Sans, embedded, so accents (é, è, à, ç) render the same on every
// machine without system fonts.
//
// Drawing is done with gonum.org/v1/plot's vector canvas (vg, rasterised by
// vgimg); the QR matrix comes from github.com/boombuler/barcode/qr.
//
// A learner's radar:
//
//	png, err := chart.Radar([]chart.Axis{
//		{Label: "1.1 Recherche", Value: 3.4, Low: 2.9, High: 3.9},
//		{Label: "2.1 Interagir", Value: 2},
//		{Label: "3.1 Documents", Value: 4.5},
//	}, chart.Options{Title: "Tes niveaux"})
//
// A campaign's QR code with its code under it:
//
//	png, err := chart.QR("https://t.me/diagbot?start=ML75-PARIS", 800, "ML75-PARIS")
package chart
