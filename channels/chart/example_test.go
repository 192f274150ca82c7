package chart_test

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"math"

	"github.com/diagbot/diagbot/channels/chart"
)

// size reports a PNG's dimensions, to show what the examples return.
func size(b []byte) string {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return err.Error()
	}
	return img.Bounds().Size().String()
}

func ExampleRadar() {
	b, err := chart.Radar([]chart.Axis{
		{Label: "1.1 Recherche et veille", Value: 3.4, Low: 2.8, High: 4.0},
		{Label: "2.1 Interagir", Value: 5.1},
		{Label: "3.1 Documents textuels", Value: 3},
		{Label: "4.1 Sécuriser l'environnement", Value: 2.4},
		{Label: "5.1 Problèmes techniques", Value: 2.9},
	}, chart.Options{Title: "Tes niveaux"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(size(b))
	// Output: (800,800)
}

func ExampleBars() {
	b, err := chart.Bars([]chart.Axis{
		{Label: "1.1 Recherche et veille", Value: 3.1, Low: 2.2, High: 4.0},
		{Label: "2.1 Interagir", Value: 4.6, Low: 3.9, High: 5.2},
	}, chart.Options{Title: "Campagne ML75 : niveau moyen", Size: 600})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(size(b))
	// Output: (600,600)
}

func ExampleQR() {
	b, err := chart.QR("https://t.me/diagbot_bot?start=ML75-PARIS", 800, "ML75-PARIS")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(size(b))
	// Output: (800,800)
}

// A NaN level is a bug upstream: it is refused, never drawn as 0.
func ExampleRadar_badValue() {
	_, err := chart.Radar([]chart.Axis{{Label: "1.1", Value: 3}, {Label: "1.2", Value: math.NaN()}, {Label: "1.3"}},
		chart.Options{})
	fmt.Println(err, errors.Is(err, chart.ErrBadValue))
	// Output: chart: a value is not a finite number: axis 2 ("1.2") has value NaN true
}
