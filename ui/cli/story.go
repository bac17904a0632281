package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

// storyCmd is 'veox story': plan a chain of extensions, confirm it once,
// and let veox run it unattended.
func storyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "story",
		Short: "Plan a chain of extensions, confirm it once, and let veox run it (new, run, show, list, edit, stop)",
		Long: "A story is a source video and an ordered list of steps, each one extension of the one before\n" +
			"(8 → 15 → 22 → 29 s …). 'story new' plans it and sends nothing; 'story run' shows the whole\n" +
			"review (every step, the cost, the balance before and after, the final length), asks once, and\n" +
			"runs it: each step is sent when the one before succeeds. A story keeps running while the TUI is\n" +
			"open or 'story run --wait' runs, and picks up where it was after a restart. A refused or failed\n" +
			"step stops it with the reason ('story edit' it, then 'story run' again); a step whose answer\n" +
			"never came stops it until you settle or dismiss that create. No step is ever sent twice.",
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(storyNewCmd(g), storyRunCmd(g), storyShowCmd(g), storyListCmd(g), storyEditCmd(g), storyStopCmd(g))
	return cmd
}

func storyNewCmd(g *globals) *cobra.Command {
	var in tasks.StoryInput
	var file string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "new --from ID --prompts FILE|-",
		Short: "Plan a story: prints it with its estimate; sends nothing",
		Long: "Plan a story from a finished video. FILE (or - for stdin) holds one prompt per paragraph\n" +
			"(blank lines between; a paragraph may start with '@seed N', '@model M', '@watermark T'), or\n" +
			"JSON lines with prompt, seed, model, watermark. --model, --watermark and --seed are the\n" +
			"defaults of steps that do not set their own. The source is looked up (a read); nothing is sent.",
		Example: "  printf 'a storm rolls in\\n\\nlightning strikes the tower\\n\\nthe sun rises\\n' | veox story new --from 3f2a… --prompts -\n" +
			"  veox --demo story new --from veo_task_demo_lighthouse --prompts steps.txt --model lite --json",
		Args: cobra.NoArgs,
		RunE: withEnv(g, true, func(cmd *cobra.Command, env *Env, _ []string) error {
			text, err := readPrompts(cmd, file)
			if err != nil {
				return usageErr(err)
			}
			if in.Source, err = resolveTask(cmd.Context(), env.Store, in.Source); err != nil {
				return notSent(err)
			}
			if in.Steps, err = tasks.ParseSteps(text); err != nil {
				return usageErr(fmt.Errorf("--prompts %s: %w", file, err))
			}
			v, err := env.Service.PlanStory(cmd.Context(), in)
			if err != nil {
				return notSent(err)
			}
			printStory(cmd.OutOrStdout(), asJSON, v, nil)
			if !asJSON {
				fmt.Fprintf(cmd.ErrOrStderr(), "veox: planned; nothing was sent. 'veox story run %s' reviews it and runs it\n", v.Story.ID)
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&in.Source, "from", "", "the finished video the first step extends (task id)")
	f.StringVar(&file, "prompts", "", "file of prompts, one per paragraph, or JSON lines; - reads stdin")
	f.StringVar(&in.Model, "model", "fast", "default model of the steps: fast, quality or lite")
	f.StringVar(&in.Watermark, "watermark", "", "default watermark of the steps")
	f.IntVar(&in.Seed, "seed", 0, "default seed of the steps, 10000–99999 (same seed, similar look); omit for random")
	f.BoolVar(&asJSON, "json", false, "print the story as JSON")
	cmd.MarkFlagRequired("from")
	cmd.MarkFlagRequired("prompts")
	return cmd
}

// readPrompts reads the steps file, or stdin for "-", bounded: a story is
// a few paragraphs, not a log file piped by mistake.
func readPrompts(cmd *cobra.Command, file string) (string, error) {
	const limit = 1 << 20
	var r io.Reader
	if file == "-" {
		r = cmd.InOrStdin()
	} else {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("--prompts: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return "", fmt.Errorf("--prompts: %w", err)
	}
	if len(b) > limit {
		return "", errors.New("--prompts: more than 1 MiB of prompts; a story has at most 20 steps")
	}
	return string(b), nil
}

func storyShowCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show STORY",
		Short: "Show a story: each step's state, length, cost, task and files",
		Args:  cobra.ExactArgs(1),
		RunE: withBrowseEnv(g, false, func(cmd *cobra.Command, env *Env, args []string) error {
			v, err := env.Service.LoadStory(args[0])
			if err != nil {
				return storyErr(err)
			}
			printStory(cmd.OutOrStdout(), asJSON, v, nil)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the story as JSON")
	return cmd
}

func storyListCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the stories, newest first",
		Args:  cobra.NoArgs,
		RunE: withBrowseEnv(g, false, func(cmd *cobra.Command, env *Env, _ []string) error {
			vs, err := env.Service.Stories()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				arr := make([]storyJSON, len(vs))
				for i, v := range vs {
					arr[i] = toStoryJSON(v, nil)
				}
				return writeJSON(out, arr)
			}
			if len(vs) == 0 {
				fmt.Fprintln(out, "no stories yet: 'veox story new --from ID --prompts FILE' plans one")
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "STORY\tSTATUS\tSTEPS\tFROM\tLENGTH\tCREATED\tFIRST PROMPT")
			for _, v := range vs {
				fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\n", v.Story.ID, storyStatus(v.Story.Status), v.Next, len(v.Steps),
					format.Short(v.Story.Source), lengthWords(v), v.Story.CreatedAt.Local().Format("2006-01-02 15:04"), firstPrompt(v))
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func storyEditCmd(g *globals) *cobra.Command {
	var n int
	var file string
	var asJSON bool
	var prompt, model, watermark string
	var seed int
	cmd := &cobra.Command{
		Use:   "edit STORY (--step N [--prompt T] [--seed N] [--model M] [--watermark T] | --prompts FILE|-)",
		Short: "Change steps not sent yet, or the step that was refused or failed",
		Long: "Edit one step (--step N with the fields to change) or replace every step from the first that\n" +
			"can change on (--prompts, in 'story new's form). Steps that made their video, or are being made,\n" +
			"stay as they are. A refused or failed step keeps its attempt in the history and is sent again,\n" +
			"as edited, by the next 'story run'.",
		Args: cobra.ExactArgs(1),
		RunE: withEnv(g, false, func(cmd *cobra.Command, env *Env, args []string) error {
			v, err := env.Service.LoadStory(args[0])
			if err != nil {
				return storyErr(err)
			}
			fl := cmd.Flags()
			switch {
			case file != "" && n != 0:
				return usageErr(errors.New("give --step N with the fields to change, or --prompts FILE, not both"))
			case file != "":
				text, err := readPrompts(cmd, file)
				if err != nil {
					return usageErr(err)
				}
				steps, err := tasks.ParseSteps(text)
				if err != nil {
					return usageErr(fmt.Errorf("--prompts %s: %w", file, err))
				}
				v, err = env.Service.EditSteps(v.Story.ID, steps)
				if err != nil {
					return notSent(err)
				}
			case n != 0:
				if n < 1 || n > len(v.Steps) {
					return usageErr(fmt.Errorf("--step %d: the story has steps 1 to %d", n, len(v.Steps)))
				}
				s := v.Story.Steps[n-1]
				s.LocalID, s.Tried = "", nil
				if fl.Changed("prompt") {
					s.Prompt = prompt
				}
				if fl.Changed("seed") {
					s.Seed = seed
				}
				if fl.Changed("model") {
					s.Model = model
				}
				if fl.Changed("watermark") {
					s.Watermark = watermark
				}
				if v, err = env.Service.EditStep(v.Story.ID, n, s); err != nil {
					return notSent(err)
				}
			default:
				return usageErr(errors.New("say what to change: --step N with --prompt, --seed, --model or --watermark, or --prompts FILE"))
			}
			printStory(cmd.OutOrStdout(), asJSON, v, nil)
			return nil
		}),
	}
	f := cmd.Flags()
	f.IntVar(&n, "step", 0, "the step to change (1 is the first)")
	f.StringVar(&prompt, "prompt", "", "the step's new prompt")
	f.IntVar(&seed, "seed", 0, "the step's seed, 10000–99999; 0 takes the story's (or random)")
	f.StringVar(&model, "model", "", "the step's model: fast, quality or lite; empty takes the story's")
	f.StringVar(&watermark, "watermark", "", "the step's watermark; empty takes the story's")
	f.StringVar(&file, "prompts", "", "replace the steps that can change, one per paragraph (or JSON lines); - reads stdin")
	f.BoolVar(&asJSON, "json", false, "print the story as JSON")
	return cmd
}

func storyStopCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stop STORY",
		Short: "Stop a running story: the step on its way goes on; nothing more is sent",
		Args:  cobra.ExactArgs(1),
		RunE: withEnv(g, false, func(cmd *cobra.Command, env *Env, args []string) error {
			v, err := env.Service.StopStory(args[0], "stopped by the user")
			if err != nil {
				return storyErr(err)
			}
			printStory(cmd.OutOrStdout(), asJSON, v, nil)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the story as JSON")
	return cmd
}

// storyErr makes a story that is not there bad input (exit 2).
func storyErr(err error) error {
	if errors.Is(err, store.ErrStoryNotFound) {
		return &exitError{ExitUsage, kindNotFound, fmt.Errorf("%w; 'veox story list' shows them", err)}
	}
	return err
}

// printStory prints a story as JSON or in words.
func printStory(w io.Writer, asJSON bool, v *tasks.StoryView, rev *tasks.StoryReview) {
	if asJSON {
		writeJSON(w, toStoryJSON(v, rev))
		return
	}
	fmt.Fprint(w, storyText(v, time.Now()))
}

// storyText is the readable form: a head line, one line per step, then
// the film or why the story stopped.
func storyText(v *tasks.StoryView, now time.Time) string {
	var b strings.Builder
	st := v.Story
	fmt.Fprintf(&b, "story %s  %s  from %s, %s, about %d credits (%d still to spend)\n", st.ID, storyStatus(st.Status),
		format.ID(sourceOf(v)), lengthWords(v), v.Estimate, v.ToSpend)
	var rows strings.Builder
	tw := tabwriter.NewWriter(&rows, 0, 0, 2, ' ', 0)
	for _, s := range v.Steps {
		task := ""
		if s.Task != nil {
			task = "task " + format.ID(s.Task)
		}
		secs := "?"
		if s.Seconds > 0 {
			secs = fmt.Sprintf("%d s", s.Seconds)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%d cr\t%s\t%s\t%s\n", s.N, stepStatus(s.State), secs, s.Credits, stepOptions(s),
			clip(s.Prompt, 60), task)
	}
	tw.Flush()
	for _, l := range strings.SplitAfter(rows.String(), "\n") {
		b.WriteString(strings.TrimRight(l, " \n"))
		if l != "" {
			b.WriteString("\n")
		}
	}
	if film := v.Film(); film != "" {
		fmt.Fprintf(&b, "  film: %s\n", film)
	}
	if st.Reason != "" && st.Status == store.StoryStopped {
		fmt.Fprintf(&b, "  stopped: %s\n", api.Sanitize(st.Reason))
	}
	return b.String()
}

func sourceOf(v *tasks.StoryView) *store.Task {
	if v.Source != nil {
		return v.Source
	}
	return &store.Task{TaskID: v.Story.Source}
}

func lengthWords(v *tasks.StoryView) string {
	if v.FinalSeconds == 0 {
		return fmt.Sprintf("+%d s", tasks.StepSeconds*len(v.Steps))
	}
	return fmt.Sprintf("%d → %d s", v.SourceSeconds, v.FinalSeconds)
}

func firstPrompt(v *tasks.StoryView) string {
	if len(v.Steps) == 0 {
		return ""
	}
	return clip(v.Steps[0].Prompt, 40)
}

func stepOptions(s tasks.StepView) string {
	parts := []string{s.Model}
	if s.Seed != 0 {
		parts = append(parts, fmt.Sprintf("seed %d", s.Seed))
	}
	if s.Watermark != "" {
		parts = append(parts, "wm "+clip(s.Watermark, 16))
	}
	return strings.Join(parts, " ")
}

// storyStatus and stepStatus are the words with a glyph that reads
// without colour.
func storyStatus(status string) string {
	switch status {
	case store.StoryRunning:
		return "● running"
	case store.StoryStopped:
		return "■ stopped"
	case store.StoryDone:
		return "✓ done"
	}
	return "· planned"
}

func stepStatus(state string) string {
	switch state {
	case tasks.StepPlanned:
		return "· planned"
	case tasks.StepMissing:
		return "! missing"
	}
	return format.Status(state)
}

// storyJSON is the --json shape of a story: part of the headless contract.
type storyJSON struct {
	StoryID   string       `json:"storyId"`
	From      string       `json:"from"`
	Status    string       `json:"status"`
	Reason    *string      `json:"reason"` // why it stopped; null otherwise
	Model     string       `json:"model"`
	Watermark string       `json:"watermark"`
	Seed      *int         `json:"seed"`
	Estimate  estimateJSON `json:"estimate"`
	Steps     []stepJSON   `json:"steps"`
	Film      *string      `json:"film"` // the last step's whole video on disk; null until it is there
	CreatedAt time.Time    `json:"createdAt"`
	UpdatedAt time.Time    `json:"updatedAt"`
}

type estimateJSON struct {
	Credits       int      `json:"credits"`       // every step, about
	ToSpend       int      `json:"toSpend"`       // the steps still to send, about
	SourceSeconds *int     `json:"sourceSeconds"` // null when not known
	FinalSeconds  *int     `json:"finalSeconds"`  // +7 s a step; null when the source's length is not known
	Balance       *float64 `json:"balance"`       // read for the review ('story run'); null otherwise
	BalanceAfter  *float64 `json:"balanceAfter"`
	SpentToday    *float64 `json:"spentToday"` // today's creates so far, as the budget counts them ('story run'); null otherwise
	DailyLimit    *float64 `json:"dailyLimit"` // the daily budget; null when none is set
}

type stepJSON struct {
	Step      int        `json:"step"`
	Prompt    string     `json:"prompt"`
	Seed      *int       `json:"seed"`
	Model     string     `json:"model"`
	Watermark string     `json:"watermark"`
	TaskID    *string    `json:"taskId"`  // the service's id of the step's task; null until accepted
	LocalID   *string    `json:"localId"` // veox's id of the step's task; null while planned
	Status    string     `json:"status"`  // planned, missing, or the task's status
	Seconds   *int       `json:"seconds"` // the video's length after this step
	Credits   int        `json:"estimatedCredits"`
	Files     []string   `json:"files"` // the step's verified files on disk, newest first
	Error     *errorJSON `json:"error"`
	Tried     []string   `json:"tried"` // local ids of earlier attempts that made nothing
}

func toStoryJSON(v *tasks.StoryView, rev *tasks.StoryReview) storyJSON {
	st := v.Story
	j := storyJSON{StoryID: st.ID, From: st.Source, Status: st.Status, Model: st.Model, Watermark: st.Watermark,
		Seed: intPtr(st.Seed), CreatedAt: st.CreatedAt, UpdatedAt: st.UpdatedAt, Steps: []stepJSON{},
		Estimate: estimateJSON{Credits: v.Estimate, ToSpend: v.ToSpend, SourceSeconds: intPtr(v.SourceSeconds), FinalSeconds: intPtr(v.FinalSeconds)}}
	if st.Reason != "" {
		r := api.Sanitize(st.Reason)
		j.Reason = &r
	}
	if film := v.Film(); film != "" {
		j.Film = &film
	}
	if rev != nil && rev.BalanceKnown {
		j.Estimate.Balance, j.Estimate.BalanceAfter = &rev.Balance, &rev.After
	}
	if rev != nil && rev.TodayKnown {
		j.Estimate.SpentToday = &rev.Today
	}
	if rev != nil && rev.DailyLimit > 0 {
		j.Estimate.DailyLimit = &rev.DailyLimit
	}
	for i, s := range v.Steps {
		sj := stepJSON{Step: s.N, Prompt: s.Prompt, Seed: intPtr(s.Seed), Model: s.Model, Watermark: s.Watermark,
			Status: s.State, Seconds: intPtr(s.Seconds), Credits: s.Credits, Files: []string{}, Tried: nonNil(st.Steps[i].Tried)}
		if t := s.Task; t != nil {
			tj := toJSON(t)
			sj.LocalID, sj.Files, sj.Error = &t.LocalID, tj.Files, tj.Error
			if t.TaskID != "" {
				sj.TaskID = &t.TaskID
			}
		} else if id := st.Steps[i].LocalID; id != "" {
			sj.LocalID = &id
		}
		j.Steps = append(j.Steps, sj)
	}
	return j
}

func intPtr(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}
