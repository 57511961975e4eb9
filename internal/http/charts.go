package http

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/go-analyze/charts"

	"github.com/entrypay/entrypay"
)

// dailyVolumeChart draws the successful volume of one currency per day as an SVG bar
// chart (github.com/go-analyze/charts, rendered on the server: the dashboard runs no
// script). Amounts become major units as floats only to draw bar heights; every figure
// a merchant reads is printed from minor units in the table beside the chart.
func dailyVolumeChart(currency string, days []entrypay.OverviewDay) (template.HTML, error) {
	digits, _ := entrypay.Digits(currency)
	scale := math.Pow10(digits)
	labels := make([]string, len(days))
	values := make([]float64, len(days))
	for i, d := range days {
		labels[i] = d.Date.Format("01-02")
		for _, t := range d.Totals {
			if t.Currency == currency {
				values[i] = float64(t.Value) / scale
			}
		}
	}
	opt := charts.NewBarChartOptionWithData([][]float64{values})
	opt.CategoryAxis.Labels = labels
	opt.CategoryAxis.LabelRotation = charts.DegreesToRadians(45)
	opt.ValueAxis = []charts.ValueAxisOption{{Title: currency, Min: charts.Ptr(0.0)}}
	opt.Padding = charts.NewBox(20, 20, 20, 10)
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: 900, Height: 320})
	if err := p.BarChart(opt); err != nil {
		return "", fmt.Errorf("daily volume chart: %w", err)
	}
	svg, err := p.Bytes()
	if err != nil {
		return "", fmt.Errorf("daily volume chart: %w", err)
	}
	// The SVG is inlined in the page: the library writes only the numbers and the
	// labels made above (dates and an ISO currency code), no merchant text.
	out := string(svg)
	if i := strings.Index(out, "<svg"); i > 0 {
		out = out[i:]
	}
	out = strings.Replace(out, "<svg", `<svg role="img" aria-label="`+template.HTMLEscapeString("Successful volume per day, "+currency)+`"`, 1)
	return template.HTML(out), nil // #nosec: built from numbers and our own labels above
}
