package tasks

import (
	"testing"

	"github.com/veox/veox/store"
)

// Every cell of veo-api.md's price table (issue 14), written out here
// rather than read back from Prices(), so a changed cell fails.
func TestPricesPerCell(t *testing.T) {
	t.Parallel()
	gen := map[[2]string]int{
		{"veo3_fast", "720p"}: 60, {"veo3_fast", "1080p"}: 65, {"veo3_fast", "4k"}: 180,
		{"veo3_lite", "720p"}: 30, {"veo3_lite", "1080p"}: 35, {"veo3_lite", "4k"}: 150,
		{"veo3", "720p"}: 250, {"veo3", "1080p"}: 255, {"veo3", "4k"}: 380,
	}
	for k, want := range gen {
		if got := GenerateCost(k[0], k[1]); got != want {
			t.Errorf("generate %s %s: %d, want %d", k[0], k[1], got, want)
		}
	}
	for model, want := range map[string]int{"fast": 60, "lite": 30, "quality": 250} {
		if got := ExtendCost(model); got != want {
			t.Errorf("extend %s: %d, want %d", model, got, want)
		}
	}
	if UpscaleCost(Upscale1080) != 5 || UpscaleCost(Upscale4K) != 120 || UpscaleCost("4K") != 120 {
		t.Errorf("upgrades: 1080p %d, 4k %d", UpscaleCost(Upscale1080), UpscaleCost(Upscale4K))
	}
	if len(Prices()) != len(gen)+3+2 {
		t.Errorf("the table has %d rows; a row no test checks crept in", len(Prices()))
	}
}

// What the service assumes when a field is left out is what is priced.
func TestPricesOfDefaults(t *testing.T) {
	t.Parallel()
	if GenerateCost("", "") != 60 || GenerateCost("veo3", "") != 250 || ExtendCost("") != 60 || GenerateCost("veo3_fast", "4K") != 180 {
		t.Error("defaults are not priced as the service applies them (veo3_fast, 720p, fast)")
	}
	if GenerateCost("veo9", "720p") != 0 {
		t.Error("an unknown model is priced")
	}
	cases := []struct {
		t    store.Task
		want int
	}{
		{store.Task{Kind: store.KindExtend, Request: store.Request{Model: "quality"}}, 250},
		{store.Task{Kind: store.KindGenerate, Request: store.Request{Model: "veo3_lite", Resolution: "1080p"}}, 35},
		{store.Task{Kind: store.KindUpscale, Request: store.Request{UpscaleTo: "4k"}}, 120},
		{store.Task{Kind: store.KindImport}, 0},
	}
	for _, c := range cases {
		if got := EstimateFor(&c.t); got != c.want {
			t.Errorf("%s %+v: %d, want %d", c.t.Kind, c.t.Request, got, c.want)
		}
	}
	if LowBalance(60) || !LowBalance(59.5) {
		t.Error("low balance is not 'cannot pay one fast extension'")
	}
}
