package tasks

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// A story past the daily limit starts only when the user says so (issue
// 14.4, --over-budget): starting it otherwise is refused with the numbers
// and sends nothing; started past the limit on purpose, every step goes,
// none is stopped half-way by the limit it was started over.
func TestStoryPastTheDailyLimitStartsOnlyWhenAskedTo(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := moneyRig(t, sim.Options{MinDuration: time.Minute, MaxDuration: time.Minute}, Budget{DailyLimit: 150})
		if _, err := r.svc.Generate(ctx(t), GenerateInput{Prompt: "a kite", Model: "veo3_lite"}); err != nil {
			t.Fatal(err)
		}
		v, err := r.svc.PlanStory(ctx(t), StoryInput{Source: sim.DemoLighthouse, Steps: steps("a storm rolls in", "lightning strikes", "the sun rises")})
		if err != nil {
			t.Fatal(err)
		}
		rev, err := r.svc.ReviewStory(ctx(t), v.Story.ID)
		if err != nil {
			t.Fatal(err)
		}
		ob := rev.OverBudget
		if ob == nil || ob.Cost != 180 || ob.Spent != 30 || ob.Limit != 150 || rev.CanStart() || !rev.CanStartOverBudget() ||
			!strings.Contains(strings.Join(rev.Problems, "\n"), "--over-budget") {
			t.Fatalf("review: %+v, problems %q", ob, rev.Problems)
		}
		creates := r.srv.Sim.Creates()
		var refused *OverBudgetError
		if _, err := r.svc.StartStory(v.Story.ID); !errors.As(err, &refused) || refused.Cost != 180 || refused.Spent != 30 {
			t.Fatalf("start past the limit: %v", err)
		}
		if got, _ := r.svc.LoadStory(v.Story.ID); got.Story.Status != store.StoryPlanned {
			t.Fatalf("the refused story is %s", got.Story.Status)
		}
		if n := r.srv.Sim.Creates(); n != creates {
			t.Fatalf("a refused story sent %d creates", n-creates)
		}
		if _, err := r.svc.StartStoryWith(v.Story.ID, true); err != nil {
			t.Fatal(err)
		}
		done, err := r.svc.RunStory(long(t), v.Story.ID, RunOptions{})
		if err != nil || done.Story.Status != store.StoryDone {
			t.Fatalf("past the limit on purpose: %v, %s %s", err, done.Story.Status, done.Story.Reason)
		}
		if n := r.srv.Sim.Creates() - creates; n != 3 {
			t.Fatalf("%d creates for 3 steps", n)
		}

		// Another review with something else wrong: the limit is not all
		// that stands in the way, so --over-budget does not start it.
		if rev.Problems = append([]string{"something else"}, rev.Problems...); rev.CanStartOverBudget() {
			t.Fatal("--over-budget would start a story with another problem")
		}
	})
}
