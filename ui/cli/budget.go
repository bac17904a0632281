package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

// spendFlags are the money flags every create shares (issue 14).
type spendFlags struct {
	over, yes bool
}

func (f *spendFlags) bind(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.over, "over-budget", false, "send it even if it takes today past your daily limit (dailyLimit)")
	cmd.Flags().BoolVar(&f.yes, "yes", false, "do not ask: send it even if it costs more than confirmAbove")
}

// approve runs before a create that costs about cost credits: a create
// that would take today past the daily limit is refused with the numbers
// (exit 2, nothing sent) unless --over-budget; one above the confirmation
// threshold asks on the terminal, or needs --yes where there is none.
// The service checks the budget again as it sends.
func (f *spendFlags) approve(cmd *cobra.Command, env *Env, cost float64, what string) error {
	svc := env.Service
	if !f.over {
		if err := svc.CheckBudget(cost); err != nil {
			return err
		}
	}
	if !svc.NeedsConfirm(cost) || f.yes {
		return nil
	}
	limit := svc.Budget().ConfirmAbove
	question := fmt.Sprintf("This %s costs about %s credits (≈ $%.2f), above your confirmAbove of %s.%s Send it? [y/N] ",
		what, format.Credits(cost), tasks.CreditsToUSD(cost), format.Credits(limit), todayLine(env))
	ok, err := askTerminal(cmd, question)
	if err != nil {
		return &exitError{ExitUsage, kindBudget, fmt.Errorf("this %s costs about %s credits, above your confirmAbove of %s, and there is no terminal to ask: run again with --yes to send it; nothing was sent",
			what, format.Credits(cost), format.Credits(limit))}
	}
	if !ok {
		return &exitError{ExitUsage, kindBudget, errors.New("not confirmed: nothing was sent")}
	}
	return nil
}

// todayLine is today's spending for the question, "" if it cannot be read.
func todayLine(env *Env) string {
	spent, err := env.Service.SpentToday()
	if err != nil {
		return ""
	}
	s := fmt.Sprintf(" Today: %s spent", format.Credits(spent.Credits))
	if l := env.Service.Budget().DailyLimit; l > 0 {
		s += fmt.Sprintf(" of your daily %s", format.Credits(l))
	}
	return s + "."
}

// askTerminal asks a yes/no question on the terminal; without one it
// fails, and the caller says which flag answers it.
func askTerminal(cmd *cobra.Command, question string) (bool, error) {
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(in.Fd()) {
		return false, errors.New("no terminal to ask")
	}
	fmt.Fprint(cmd.ErrOrStderr(), question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}
