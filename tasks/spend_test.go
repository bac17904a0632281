package tasks

import (
	"testing"
	"time"

	"github.com/veox/veox/store"
)

// The ledger adds measured charges and, where the balance could not tell,
// estimates, by day, model and kind; today, this week (from Monday) and
// this month follow the calendar of the clock's zone; imports and refused
// creates are not spending.
func TestLedgerGroupsAndCalendar(t *testing.T) {
	t.Parallel()
	zone := time.FixedZone("UTC+2", 2*3600)
	now := time.Date(2026, 9, 16, 15, 0, 0, 0, zone) // a Wednesday
	st, err := store.Open(t.TempDir()+"/h.db", store.Options{NoSync: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := New(Options{Store: st, Now: func() time.Time { return now }})
	day := func(d, h int) time.Time { return time.Date(2026, 9, d, h, 0, 0, 0, zone) }
	measured := func(c float64) *store.Charge {
		return &store.Charge{State: store.ChargeMeasured, Credits: c, Billed: c}
	}
	put := func(at time.Time, kind, model, to, status string, c *store.Charge) {
		tk := &store.Task{LocalID: st.NewLocalID(), TaskID: "t" + at.String() + model, Kind: kind, Status: status, CreatedAt: at,
			Request: store.Request{Model: model, UpscaleTo: to}, Charge: c}
		if err := st.Put(tk); err != nil {
			t.Fatal(err)
		}
	}
	put(day(16, 9), store.KindExtend, "fast", "", store.StatusSucceeded, measured(60))                               // today
	put(day(16, 10), store.KindGenerate, "veo3", "", store.StatusRunning, &store.Charge{State: store.ChargePending}) // today, estimate 250
	put(day(16, 11), store.KindImport, "veo3", "", store.StatusSucceeded, nil)                                       // not ours
	put(day(16, 12), store.KindExtend, "quality", "", store.StatusRefused, nil)                                      // refused
	put(day(16, 1), store.KindGenerate, "veo3_lite", "", store.StatusFailed,
		&store.Charge{State: store.ChargeRefunded, Billed: 30}) // 01:00 local is still today (23:00 UTC the day before)
	put(day(15, 20), store.KindUpscale, "", "4k", store.StatusSucceeded, measured(120))      // Tuesday
	put(day(14, 0), store.KindExtend, "lite", "", store.StatusSucceeded, measured(30))       // Monday, midnight
	put(day(13, 23), store.KindExtend, "quality", "", store.StatusSucceeded, measured(250))  // Sunday: last week
	put(day(1, 0), store.KindGenerate, "veo3_fast", "", store.StatusSucceeded, measured(65)) // this month
	put(day(1, 0).Add(-time.Second), store.KindGenerate, "", "", store.StatusSucceeded, nil) // last month
	put(day(9, 12), store.KindGenerate, "veo3_fast", "", store.StatusFailed, nil)            // failed, unconfirmed: 0

	l, err := svc.Spend(now.AddDate(0, 0, -7), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got SpendLine, credits, measuredC float64, tasks int) {
		t.Helper()
		if got.Credits != credits || got.Measured != measuredC || got.Tasks != tasks || got.Estimated != credits-measuredC {
			t.Errorf("%s: %+v, want %v credits (%v measured) over %d tasks", name, got, credits, measuredC, tasks)
		}
	}
	check("today", l.Today, 60+250, 60, 3)
	check("this week", l.ThisWeek, 60+250+120+30, 60+120+30, 5)
	check("this month", l.Month, 60+250+120+30+250+65, 60+120+30+250+65, 8)
	check("the last 7 days", l.Total, 60+250+120+30+250, 60+120+30+250, 6)
	if l.Today.Refunded != 1 || l.Today.Estimates != 1 {
		t.Errorf("today: %d refunded, %d estimates", l.Today.Refunded, l.Today.Estimates)
	}
	days := map[string]float64{}
	for _, d := range l.ByDay {
		days[d.Key] = d.Credits
	}
	if len(days) != 4 || days["2026-09-16"] != 310 || days["2026-09-15"] != 120 || days["2026-09-14"] != 30 || days["2026-09-13"] != 250 {
		t.Errorf("by day: %+v", l.ByDay)
	}
	if l.ByModel[0].Key != "quality" || l.ByModel[0].Credits != 500 || len(l.ByModel) != 4 {
		t.Errorf("by model: %+v", l.ByModel)
	}
	if l.ByKind[0].Key != "extend" || l.ByKind[0].Credits != 340 {
		t.Errorf("by kind: %+v", l.ByKind)
	}
	spent, err := svc.SpentToday()
	if err != nil || spent.Credits != 310 {
		t.Errorf("spent today: %+v %v", spent, err)
	}
}
