package tasks

import (
	"strings"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// Price is one row of the price table: what one request costs, in credits.
type Price struct {
	Kind       string // store.KindGenerate, store.KindExtend, or Upscale1080 / Upscale4K
	Model      string // the model as the endpoint names it; "" for upgrades
	Resolution string // generate only: "720p", "1080p", "4k"
	Credits    int
}

// Prices is kie's price table (veo-api.md, September 2026). Prices drift,
// so this is data, easy to change, and every screen shows its figures as
// "about N credits" beside the live balance, which is what to trust.
func Prices() []Price {
	table := priceTable()
	return table[:]
}

// priceTable is Prices as an array: lookup runs twice per task of a
// whole-history listing, and an array stays on the stack where the slice
// was a heap allocation each time.
func priceTable() [14]Price {
	const gen, ext = store.KindGenerate, store.KindExtend
	return [14]Price{
		{gen, api.ModelFast, "720p", 60}, {gen, api.ModelFast, "1080p", 65}, {gen, api.ModelFast, "4k", 180},
		{gen, api.ModelLite, "720p", 30}, {gen, api.ModelLite, "1080p", 35}, {gen, api.ModelLite, "4k", 150},
		{gen, api.ModelQuality, "720p", 250}, {gen, api.ModelQuality, "1080p", 255}, {gen, api.ModelQuality, "4k", 380},
		{ext, api.ExtendFast, "", 60}, {ext, api.ExtendLite, "", 30}, {ext, api.ExtendQuality, "", 250},
		{Upscale1080, "", "", 5},
		{Upscale4K, "", "", 120},
	}
}

// lookup finds a price; the defaults the service applies fill what is
// empty, so an estimate never depends on whether a field was typed.
func lookup(kind, model, resolution string) int {
	model = strings.ToLower(strings.TrimSpace(model))
	resolution = strings.ToLower(strings.TrimSpace(resolution))
	switch kind {
	case store.KindGenerate:
		model = or(model, api.ModelFast)
		resolution = or(resolution, "720p")
	case store.KindExtend:
		model = or(model, api.ExtendFast)
	}
	for _, p := range priceTable() {
		if p.Kind == kind && p.Model == model && p.Resolution == resolution {
			return p.Credits
		}
	}
	return 0
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// GenerateCost is the indicative price of a generation, 0 if the table
// does not know the model or resolution (the input is then invalid).
func GenerateCost(model, resolution string) int {
	return lookup(store.KindGenerate, model, resolution)
}

// ExtendCost is the indicative price of one extension by model.
func ExtendCost(model string) int { return lookup(store.KindExtend, model, "") }

// UpscaleCost is the indicative price of a 1080p or 4K version.
func UpscaleCost(to string) int { return lookup(strings.ToLower(to), "", "") }

// EstimateFor is the indicative price of what a task asked for.
func EstimateFor(t *store.Task) int {
	switch t.Kind {
	case store.KindGenerate:
		return GenerateCost(t.Request.Model, t.Request.Resolution)
	case store.KindExtend:
		return ExtendCost(t.Request.Model)
	case store.KindUpscale:
		return UpscaleCost(t.Request.UpscaleTo)
	}
	return 0 // an import was paid for elsewhere
}

// LowBalance reports whether a balance cannot pay for the usual next step,
// one fast extension.
func LowBalance(credits float64) bool { return credits < float64(ExtendCost("")) }

// CreditsToUSD converts at the reseller's rough rate (about $0.005 each).
func CreditsToUSD(credits float64) float64 { return credits * 0.005 }
