package tasks

import "github.com/veox/veox/api"

// EstimateCost is veo-api.md's indicative price in credits. Prices drift, so
// the screens show it as "about N" next to the live balance, and the
// balance before and after is what the user should trust.
func EstimateCost(kind, model string) int {
	switch kind {
	case "extend":
		return 60
	case "1080p":
		return 5
	case "4k":
		return 120
	}
	switch model {
	case api.ModelQuality:
		return 250
	case api.ModelLite:
		return 30
	}
	return 100 // veo3_fast: 60–170 depending on length and resolution
}

// CreditsToUSD converts at the reseller's rough rate (about $0.005 each).
func CreditsToUSD(credits float64) float64 { return credits * 0.005 }
