package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

func spendCmd(g *globals) *cobra.Command {
	var since, by string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "spend",
		Short: "What your tasks cost: today, this week, this month, by day, model or kind, and the balance over time",
		Long: "spend reads the history (no call to the service) and adds what each task cost: the charge the\n" +
			"balance showed for it, or, where the balance could not tell (another create at the same moment),\n" +
			"the price table's estimate, marked ~. Tasks count on the day they were created. Imports (made\n" +
			"elsewhere) and refused creates are not counted; a failed task counts what the balance showed.\n" +
			"--since takes 7d (calendar days, today included), 24h, 2w, today, week, month or a date (2006-01-02).",
		Example: "  veox spend\n  veox spend --since month --by model\n  veox spend --since 30d --json",
		Args:    cobra.NoArgs,
		RunE: withBrowseEnv(g, false, func(cmd *cobra.Command, env *Env, _ []string) error {
			now := time.Now()
			from, err := parseSince(since, now)
			if err != nil {
				return usageErr(err)
			}
			if by != "day" && by != "model" && by != "kind" {
				return usageErr(fmt.Errorf("--by %q: use day, model or kind", by))
			}
			l, err := env.Service.Spend(from, time.Time{})
			if err != nil {
				return err
			}
			if l.Skipped > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "veox: %d records of the history could not be read and are not counted ('veox doctor' names them)\n", l.Skipped)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), spendJSON(l, by))
			}
			printSpend(cmd.OutOrStdout(), l, by, since)
			return nil
		}),
	}
	cmd.Flags().StringVar(&since, "since", "7d", "from when: 7d, 24h, 2w, today, week, month or 2006-01-02")
	cmd.Flags().StringVar(&by, "by", "day", "group by day, model or kind")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// parseSince reads --since in the local calendar: Nd and Nw are whole
// days back to midnight (7d is today and the six days before), Nh hours
// back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	switch s {
	case "today":
		return midnight, nil
	case "week":
		return midnight.AddDate(0, 0, -((int(midnight.Weekday()) + 6) % 7)), nil
	case "month":
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location()), nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, now.Location()); err == nil {
		return d, nil
	}
	bad := fmt.Errorf("--since %q: give 7d, 24h, 2w, today, week, month or a date such as %s", s, now.Format(time.DateOnly))
	if len(s) < 2 {
		return time.Time{}, bad
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 1 || n > 100*366 {
		return time.Time{}, bad
	}
	switch s[len(s)-1] {
	case 'd':
		return midnight.AddDate(0, 0, -(n - 1)), nil
	case 'w':
		return midnight.AddDate(0, 0, -(7*n - 1)), nil
	case 'h':
		return now.Add(-time.Duration(n) * time.Hour), nil
	}
	return time.Time{}, bad
}

type balanceJSON struct {
	At      time.Time `json:"at"`
	Credits float64   `json:"credits"`
}

// ledgerJSON is what 'veox spend --json' prints.
type ledgerJSON struct {
	Since     time.Time         `json:"since"`
	Until     time.Time         `json:"until"`
	By        string            `json:"by"`
	Total     tasks.SpendLine   `json:"total"`
	Groups    []tasks.SpendLine `json:"groups"`
	Today     tasks.SpendLine   `json:"today"`
	ThisWeek  tasks.SpendLine   `json:"thisWeek"`
	ThisMonth tasks.SpendLine   `json:"thisMonth"`
	Balance   *balanceJSON      `json:"balance"`  // the newest reading, null if none
	Balances  []balanceJSON     `json:"balances"` // every reading kept since --since, oldest first
	Skipped   int               `json:"skipped"`  // records that could not be read
}

func spendJSON(l *tasks.Ledger, by string) ledgerJSON {
	j := ledgerJSON{Since: l.Since, Until: l.Until, By: by, Total: l.Total, Groups: groups(l, by),
		Today: l.Today, ThisWeek: l.ThisWeek, ThisMonth: l.Month, Balances: []balanceJSON{}, Skipped: l.Skipped}
	j.Total.Key, j.Today.Key, j.ThisWeek.Key, j.ThisMonth.Key = "total", "today", "thisWeek", "thisMonth"
	if j.Groups == nil {
		j.Groups = []tasks.SpendLine{}
	}
	for _, r := range l.Balances {
		j.Balances = append(j.Balances, balanceJSON{r.At, r.Credits})
	}
	if l.Balance != nil {
		j.Balance = &balanceJSON{l.Balance.At, l.Balance.Credits}
	}
	return j
}

func groups(l *tasks.Ledger, by string) []tasks.SpendLine {
	switch by {
	case "model":
		return l.ByModel
	case "kind":
		return l.ByKind
	}
	return l.ByDay
}

// printSpend is the readable ledger: the calendar's totals, the groups
// with bars, and the balance over the period as a sparkline.
func printSpend(w io.Writer, l *tasks.Ledger, by, since string) {
	fmt.Fprintf(w, "spent  today %s · this week %s · this month %s   (credits; ~ = partly estimated)\n",
		format.SpendAmount(l.Today), format.SpendAmount(l.ThisWeek), format.SpendAmount(l.Month))
	fmt.Fprintf(w, "\nsince %s (%s), by %s:\n", l.Since.Format("Mon 2 Jan 2006 15:04"), since, by)
	rows := groups(l, by)
	if by == "day" {
		rows = everyDay(l)
	}
	top := 0.0
	for _, r := range rows {
		top = max(top, r.Credits)
	}
	for _, r := range rows {
		key := r.Key
		if key == "" {
			key = "-"
		}
		fmt.Fprintf(w, "  %-12s %9s  %-20s %s\n", clip(key, 12), format.SpendAmount(r), format.Bar(r.Credits, top, 20), format.SpendCounts(r))
	}
	fmt.Fprintf(w, "  %-12s %9s  %-20s %s\n", "total", format.SpendAmount(l.Total), "", format.SpendCounts(l.Total))
	printBalances(w, l)
}

// everyDay is the by-day lines with the days that cost nothing filled in.
func everyDay(l *tasks.Ledger) []tasks.SpendLine {
	var out []tasks.SpendLine
	for d := l.Since.In(time.Now().Location()); !d.After(l.Until) && len(out) < 1000; d = d.AddDate(0, 0, 1) {
		out = append(out, l.OnDay(d))
	}
	return out
}

// printBalances draws the balance over the period from the readings kept.
func printBalances(w io.Writer, l *tasks.Ledger) {
	if l.Balance == nil {
		fmt.Fprintln(w, "\nbalance: never read yet ('veox credits' reads it)")
		return
	}
	fmt.Fprintf(w, "\nbalance %s credits, read %s\n", format.Credits(l.Balance.Credits), l.Balance.At.Local().Format("Mon 2 Jan 15:04"))
	b, ok := format.Balances(l.Balances)
	if !ok || b.Readings < 2 {
		return
	}
	fmt.Fprintf(w, "  %s  %s, %d readings from %s\n", b.Sparkline(l.Until, 40), b.Range(), b.Readings,
		b.First.At.Local().Format("2 Jan 15:04"))
}
