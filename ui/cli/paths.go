package cli

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui/place"
)

func pathsCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "paths",
		Short: "Show where config, history, logs and videos live",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := config.Load(g.over, g.getenv)
			if err != nil {
				return usageErr(err)
			}
			p := set.Paths
			if g.demo {
				p = p.ForDemo()
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]string{"config": p.Config, "database": p.DB,
					"log": p.Log, "place": place.Path(p.Log), "videos": p.Downloads, "demo": p.Demo, "frames": framesDir(p)})
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "config    %s\n", p.Config)
			fmt.Fprintf(w, "database  %s\n", p.DB)
			fmt.Fprintf(w, "log       %s\n", p.Log)
			fmt.Fprintf(w, "place     %s\n", place.Path(p.Log))
			fmt.Fprintf(w, "videos    %s\n", p.Downloads)
			fmt.Fprintf(w, "demo      %s\n", p.Demo)
			fmt.Fprintf(w, "frames    %s\n", framesDir(p))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON object")
	return cmd
}

func simCmd(g *globals) *cobra.Command {
	var addr, filesAddr, key, state, hookSecret string
	var dur time.Duration
	var faults, quirks float64
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the built-in simulator of the service as a server, for scripts",
		Example: "  veox sim --addr 127.0.0.1:8787 &\n" +
			"  VEOX_BASE_URL=http://127.0.0.1:8787 VEOX_API_KEY=any veox credits",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := sim.Options{APIKey: key, MinDuration: dur, MaxDuration: dur * 2, FaultRate: faults,
				QuirkRate: quirks, StatePath: state, Seed: time.Now().UnixNano(), CallbackSecret: hookSecret}
			srv, err := sim.Listen(o, addr, filesAddr)
			if err != nil {
				return fmt.Errorf("starting the simulator on %s: %w", addr, err)
			}
			defer srv.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "simulator API on %s, result files on %s (Ctrl+C stops)\n", srv.URL, srv.FilesURL)
			fmt.Fprintf(cmd.OutOrStdout(), "demo sources: %v\n", sim.DemoSources())
			ch := make(chan os.Signal, 1)
			signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(ch)
			select {
			case <-ch:
			case <-cmd.Context().Done():
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8787", "API address")
	f.StringVar(&filesAddr, "files-addr", "", "result-file address (default: the next free port)")
	f.StringVar(&key, "key", "", "require this API key (default: accept any)")
	f.DurationVar(&dur, "duration", 20*time.Second, "how long tasks run (up to twice this)")
	f.Float64Var(&faults, "faults", 0, "rate of injected faults, 0–1")
	f.Float64Var(&quirks, "quirks", 0.3, "rate of quirky answer shapes, 0–1")
	f.StringVar(&state, "state", "", "persist tasks to this JSON file")
	f.StringVar(&hookSecret, "callback-secret", "", "sign callbacks with this key, as the service does when one is set")
	return cmd
}
