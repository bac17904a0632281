package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

// receiveCmd runs the callback receiver: point --callback (or a tunnel to
// it) at this address and tasks settle and finish as the service reports.
func receiveCmd(g *globals) *cobra.Command {
	var addr, secret string
	cmd := &cobra.Command{
		Use:   "receive",
		Short: "Receive the service's callbacks: confirm finished tasks, settle lost creates",
		Long: "Runs an HTTP receiver for callBackUrl. Each callback is confirmed with the service before\n" +
			"anything is recorded; a create whose answer was lost is settled when the service knows the\n" +
			"callback's task id and exactly one lost create has the prompt the callback echoes. When the\n" +
			"service's record of that task shows another prompt, the receiver and the task's timeline say so.\n" +
			"It holds the history while it runs (a veox opened meanwhile is read-only).",
		Example: "  VEOX_CALLBACK_SECRET=… veox receive --addr 127.0.0.1:8790\n" +
			"  veox extend --task ID --prompt … --callback https://your-tunnel.example/",
		Args: cobra.NoArgs,
		RunE: withEnv(g, true, func(cmd *cobra.Command, env *Env, _ []string) error {
			if secret == "" {
				secret = env.Settings.CallbackSecret // env or config file
			}
			return serveCallbacks(cmd, env, addr, secret)
		}),
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8790", "address to listen on")
	cmd.Flags().StringVar(&secret, "secret", "", "signing key: refuse unsigned or badly signed callbacks (env VEOX_CALLBACK_SECRET, config callbackSecret)")
	return cmd
}

func serveCallbacks(cmd *cobra.Command, env *Env, addr, secret string) error {
	out := cmd.OutOrStdout()
	report := func(t *store.Task, cb *api.Callback, err error) {
		if err != nil {
			fmt.Fprintf(out, "%s  callback for %s not applied: %s\n", time.Now().Format("15:04:05"), cb.TaskID, api.Sanitize(err.Error()))
			return
		}
		// One write per callback: a reader (a script, a log) never sees the
		// status without the note that goes with it, even when veox is
		// stopped in between.
		msg := fmt.Sprintf("%s  %s is %s\n", time.Now().Format("15:04:05"), t.TaskID, format.Status(t.Status))
		if n := tasks.CallbackSettleNote(t); n != "" {
			msg += fmt.Sprintf("          your create %s: %s\n", t.LocalID, api.Sanitize(n))
		}
		_, _ = io.WriteString(out, msg)
	}
	cs, err := env.Service.ListenCallbacks(addr, secret, report)
	if err != nil {
		return usageErr(err)
	}
	signed := "unsigned callbacks accepted (set --secret to require signatures)"
	if secret != "" {
		signed = "signatures required"
	}
	fmt.Fprintf(out, "receiving callbacks on http://%s (%s); Ctrl+C stops\n", cs.Addr, signed)
	select {
	case <-cmd.Context().Done():
		return cs.Stop()
	case err := <-cs.Done():
		return err
	}
}
