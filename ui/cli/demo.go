package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/charmbracelet/log"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store/config"
)

// demoKey is the simulator's key in demo mode; it is not a secret.
const demoKey = "demo-key"

// startDemoSim runs the simulator in this process on loopback. Its tasks
// persist beside the demo history so a task started by one command can be
// followed by the next. VEOX_DEMO_DURATION (a Go duration) sets how long
// demo tasks run, for scripts and tests; VEOX_DEMO_FAULTS (0–1) injects the
// service's faults at random: every kind on reads and downloads, and on
// creates only those after which the service clearly created nothing (an
// ambiguous create ends "unknown" by design, which is not what a demo of
// resilience should show). VEOX_DEMO_SPARSE=N answers every Nth
// record-info in the older, sparser shape; VEOX_DEMO_4K_SAME_ID=1 names a
// 4K by its source's id, as the service's docs show; VEOX_DEMO_BILL_AT_END=1
// bills tasks when they end instead of when they are accepted.
func startDemoSim(p config.Paths, getenv func(string) string, logger *log.Logger) (*sim.Server, error) {
	o := sim.Options{APIKey: demoKey, StatePath: p.SimState(), MinDuration: 20 * time.Second,
		MaxDuration: 60 * time.Second, NullGrace: 3 * time.Second, QuirkRate: 0.3,
		Seed: time.Now().UnixNano(), Logf: logger.Debugf}
	if v := getenv("VEOX_DEMO_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return nil, usageErr(fmt.Errorf("VEOX_DEMO_DURATION %q: give a Go duration such as 5s", v))
		}
		o.MinDuration, o.MaxDuration, o.NullGrace = d, d, min(o.NullGrace, d/2)
	}
	if v := getenv("VEOX_DEMO_FAULTS"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			return nil, usageErr(fmt.Errorf("VEOX_DEMO_FAULTS %q: give a rate from 0 to 1, such as 0.2", v))
		}
		o.FaultRate = f
		o.CreateFaults = []sim.Fault{sim.Fault429, sim.Fault455}
		o.SlowDelay = time.Second
	}
	if v := getenv("VEOX_DEMO_SPARSE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, usageErr(fmt.Errorf("VEOX_DEMO_SPARSE %q: give N to answer every Nth record-info in the older, sparser shape (0 = never)", v))
		}
		o.SparseEvery = n
	}
	o.FourKSameID = getenv("VEOX_DEMO_4K_SAME_ID") == "1"
	o.BillAtEnd = getenv("VEOX_DEMO_BILL_AT_END") == "1"
	srv, err := sim.Start(o)
	if err != nil {
		return nil, fmt.Errorf("starting the built-in simulator: %w", err)
	}
	return srv, nil
}

// importDemoSources puts the simulator's finished videos in the demo
// history on first use, so there is something to extend right away.
func (e *Env) importDemoSources(ctx context.Context) error {
	if e.ReadOnly {
		return nil
	}
	for _, id := range sim.DemoSources() {
		if _, err := e.Store.Get(id); err == nil {
			continue
		}
		if _, err := e.Service.Import(ctx, id); err != nil {
			// Not worth failing a command over: the next start tries again,
			// and with VEOX_DEMO_FAULTS on such reads do fail now and then.
			e.Log.Warn("demo source not added yet", "task", id, "err", err)
		}
	}
	return nil
}
