package compose

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// extendForm opens the composer on a demo video, with the balance loaded
// the way Init does it.
func extendForm(t *testing.T, e *env) Model {
	t.Helper()
	m := NewExtend(e.deps(), e.source(t, sim.DemoLighthouse)).SetSize(80, 24)
	m, _ = drive(t, m, m.Init())
	return m
}

func submitted(t *testing.T, msgs []tea.Msg) []SubmittedMsg {
	t.Helper()
	var out []SubmittedMsg
	for _, msg := range msgs {
		if s, ok := msg.(SubmittedMsg); ok {
			out = append(out, s)
		}
	}
	return out
}

func TestTypingGoesToThePrompt(t *testing.T) {
	e := newEnv(t, sim.Options{})
	m := extendForm(t, e)
	if !m.Capturing() {
		t.Fatal("the prompt has focus, so every key must reach the composer")
	}
	m = typeText(t, m, "quiet night? yes\nthen dawn")
	if got := m.get(fPrompt); got != "quiet night? yes\nthen dawn" {
		t.Errorf("prompt = %q", got)
	}
	mustContain(t, m.View(), "quiet night? yes", "then dawn", "5000 credits")
}

func TestTabOrder(t *testing.T) {
	m := NewExtend(viewDeps(), nil)
	want := []fieldID{fSource, fPrompt, fModel, fSeed, fWatermark, fCallback, fSource}
	for i, id := range want {
		if got := m.focused().id; got != id {
			t.Fatalf("tab %d: focus on %s, want %s", i, got, id)
		}
		m, _ = press(t, m, "tab")
	}
	m, _ = press(t, m, "shift+tab", "shift+tab", "shift+tab") // from the prompt, back round
	if got := m.focused().id; got != fWatermark {
		t.Errorf("shift+tab three times from the prompt: focus on %s, want watermark", got)
	}
	if m.Capturing() != true {
		t.Error("watermark is a text field: the composer must capture keys")
	}
	m, _ = press(t, m, "shift+tab", "shift+tab")
	if m.focused().id != fModel || m.Capturing() {
		t.Errorf("on the model choice the root may have its keys: focus %s, capturing %v", m.focused().id, m.Capturing())
	}
}

func TestGenerateImagesFieldFollowsTheType(t *testing.T) {
	m := NewGenerate(viewDeps())
	m, _ = press(t, m, "tab", "tab")
	if m.focused().id != fAspect {
		t.Fatalf("text videos take no images, so tab skips that field: focus on %s", m.focused().id)
	}
	m, _ = press(t, m, "shift+tab", "right", "tab")
	if m.focused().id != fImages {
		t.Fatalf("frames videos take images: focus on %s", m.focused().id)
	}
	mustContain(t, m.View(), "1 or 2 public image URLs")
}

func TestSeedIsCheckedLive(t *testing.T) {
	m := NewExtend(viewDeps(), demoSource())
	m, _ = press(t, m, "tab", "tab")
	if m.focused().id != fSeed {
		t.Fatalf("focus on %s", m.focused().id)
	}
	mustContain(t, m.View(), "empty = random")
	m = typeText(t, m, "123")
	mustContain(t, m.View(), "✗ seed 123 is out of range", "10000", "99999")
	m, _ = press(t, m, "backspace", "backspace", "backspace")
	m = typeText(t, m, "12345")
	v := m.View()
	mustContain(t, v, "✓")
	if strings.Contains(v, "✗") {
		t.Errorf("12345 is a valid seed:\n%s", v)
	}
}

func TestCtrlRRollsAValidSeed(t *testing.T) {
	m := NewExtend(viewDeps(), demoSource())
	m, _ = press(t, m, "ctrl+r")
	n, err := tasks.ParseSeed(m.get(fSeed))
	if err != nil || n == 0 {
		t.Fatalf("rolled %q: %v", m.get(fSeed), err)
	}
	if m.focused().id != fPrompt || m.get(fPrompt) != "" {
		t.Error("ctrl+r must not touch the prompt it was pressed in")
	}
}

func TestBlankPromptIsRefusedBesideTheField(t *testing.T) {
	e := newEnv(t, sim.Options{})
	m := extendForm(t, e)
	m, _ = press(t, m, "tab") // away from the prompt
	m, msgs := press(t, m, "ctrl+s")
	if m.stage != stageForm || len(msgs) != 0 {
		t.Fatalf("stage %v, msgs %v", m.stage, msgs)
	}
	if m.focused().id != fPrompt {
		t.Errorf("the first bad field gets the focus; focus on %s", m.focused().id)
	}
	v := m.View()
	mustContain(t, v, "✗ describe what should happen")
	// the message sits under the prompt, before the model row
	if strings.Index(v, "✗ describe") > strings.Index(v, "Model") {
		t.Errorf("the message must sit beside the prompt:\n%s", v)
	}
	if n := e.srv.Sim.Creates(); n != 0 {
		t.Errorf("%d creates reached the service", n)
	}
	m = typeText(t, m, "x")
	if strings.Contains(m.View(), "✗ describe") {
		t.Error("the message goes once the field is edited")
	}
}

func TestConfirmThenEscReturnsToTheForm(t *testing.T) {
	e := newEnv(t, sim.Options{})
	m := extendForm(t, e)
	m = typeText(t, m, "the fox runs")
	m, _ = press(t, m, "ctrl+s")
	if m.stage != stageConfirm || !m.Capturing() {
		t.Fatalf("stage %v capturing %v", m.stage, m.Capturing())
	}
	mustContain(t, m.View(), "spend ~60 credits and submit", "esc back to the form", "the fox runs", "5000 credits")
	m, msgs := press(t, m, "esc")
	if m.stage != stageForm || len(msgs) != 0 {
		t.Fatalf("esc on confirm: stage %v msgs %v", m.stage, msgs)
	}
	if m.get(fPrompt) != "the fox runs" {
		t.Errorf("the form kept its prompt: %q", m.get(fPrompt))
	}
	if n := e.srv.Sim.Creates(); n != 0 {
		t.Errorf("%d creates", n)
	}
	_, msgs = press(t, m, "esc")
	if c, ok := msgs[0].(CancelledMsg); len(msgs) != 1 || !ok || c.Draft == nil || c.Draft.Value("prompt") != "the fox runs" {
		t.Errorf("esc on the form: %v, want it closed with the typed prompt kept as a draft", msgs)
	}
}

func TestConfirmSubmitsExactlyOnce(t *testing.T) {
	e := newEnv(t, sim.Options{})
	m := extendForm(t, e)
	m = typeText(t, m, "the fox runs")
	m, _ = press(t, m, "tab", "tab")
	m = typeText(t, m, "12345")
	m, _ = press(t, m, "ctrl+s")
	m, send := m.Update(keyMsg("y"))
	if !m.Busy() || m.Capturing() {
		t.Fatalf("busy %v capturing %v", m.Busy(), m.Capturing())
	}
	mustContain(t, m.View(), "sending…", "do not close veox")
	for _, k := range []string{"y", "enter", "ctrl+s", "esc"} {
		var cmd tea.Cmd
		if m, cmd = m.Update(keyMsg(k)); cmd != nil {
			t.Errorf("%s while sending returned a command", k)
		}
	}
	m, msgs := drive(t, m, send)
	subs := submitted(t, msgs)
	if len(subs) != 1 {
		t.Fatalf("SubmittedMsg %d times: %v", len(subs), msgs)
	}
	s := subs[0]
	if s.Err != nil || s.Task == nil || s.Task.Status != store.StatusRunning || s.Task.TaskID == "" {
		t.Fatalf("submitted %+v, err %v", s.Task, s.Err)
	}
	if s.Task.Request.Seed != 12345 || s.Task.ParentID != sim.DemoLighthouse {
		t.Errorf("sent %+v, parent %s", s.Task.Request, s.Task.ParentID)
	}
	if n := e.srv.Sim.Creates(); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
	if m.Busy() {
		t.Error("still busy after the answer")
	}
	if _, cmd := m.Update(keyMsg("y")); cmd != nil {
		t.Error("y after the answer must not send again")
	}
}

func TestRefusedCreateCarriesTheHint(t *testing.T) {
	e := newEnv(t, sim.Options{})
	m := extendForm(t, e)
	m = typeText(t, m, "something forbidden happens")
	m, _ = press(t, m, "ctrl+s")
	m, msgs := press(t, m, "y")
	subs := submitted(t, msgs)
	if len(subs) != 1 {
		t.Fatalf("SubmittedMsg %d times", len(subs))
	}
	s := subs[0]
	if s.Task == nil || s.Task.Status != store.StatusRefused {
		t.Fatalf("task %+v", s.Task)
	}
	ae, ok := api.AsError(s.Err)
	if !ok || ae.Code != 400 || ae.Hint == "" {
		t.Fatalf("err %v (%T)", s.Err, s.Err)
	}
	if errors.Is(s.Err, tasks.ErrUnknownOutcome) {
		t.Error("a refusal is not an unknown outcome")
	}
	if m.stage != stageForm {
		t.Errorf("nothing was created: the form comes back for a rephrase (stage %v)", m.stage)
	}
	mustContain(t, m.View(), "✗ the service refused it", "rephrase")
}

func TestRunningSourceIsRefused(t *testing.T) {
	e := newEnv(t, sim.Options{MinDuration: 0, MaxDuration: 0})
	running, err := e.svc.Generate(t.Context(), tasks.GenerateInput{Prompt: "a new clip"})
	if err != nil || running.Status != store.StatusRunning {
		t.Fatalf("%v %+v", err, running)
	}
	m := NewExtend(e.deps(), running).SetSize(80, 24)
	mustContain(t, m.View(), "✗ cannot extend: it is still running")
	m = typeText(t, m, "more")
	m, msgs := press(t, m, "ctrl+s")
	if m.stage != stageForm || len(msgs) != 0 {
		t.Fatalf("stage %v msgs %v", m.stage, msgs)
	}
	mustContain(t, m.View(), "✗ cannot extend this video: it is still running")
	if n := e.srv.Sim.Creates(); n != 1 {
		t.Errorf("%d creates, want only the generate", n)
	}
}

func TestTypedSourceIsCheckedOnLeavingTheField(t *testing.T) {
	e := newEnv(t, sim.Options{MinDuration: time.Hour, MaxDuration: time.Hour})
	running, err := e.svc.Generate(t.Context(), tasks.GenerateInput{Prompt: "a new clip"})
	if err != nil {
		t.Fatal(err)
	}
	m := NewExtend(e.deps(), nil).SetSize(80, 24)
	m = typeText(t, m, running.TaskID)
	m, _ = press(t, m, "tab")
	v := m.View()
	mustContain(t, v, "✗ cannot extend: it is still running")
	m, _ = press(t, m, "ctrl+s")
	if m.stage != stageForm || m.focused().id != fSource {
		t.Errorf("a refused source blocks the submit: stage %v focus %s", m.stage, m.focused().id)
	}
	for range running.TaskID {
		m, _ = press(t, m, "backspace")
	}
	m = typeText(t, m, sim.DemoForest)
	m, _ = press(t, m, "tab")
	v = m.View()
	mustContain(t, v, "✓ done", "Morning mist")
	if strings.Contains(v, "cannot extend") {
		t.Errorf("the old id's refusal must go:\n%s", v)
	}
}

func TestStaleSourceCheckIsDropped(t *testing.T) {
	e := newEnv(t, sim.Options{})
	m := NewExtend(e.deps(), nil).SetSize(80, 24)
	m = typeText(t, m, sim.DemoUpscaled)
	m, check := m.Update(keyMsg("tab")) // the check is under way…
	m, _ = press(t, m, "shift+tab")
	m = typeText(t, m, "x") // …and the user changes the id
	m, _ = drive(t, m, check)
	if m.src.task != nil || m.src.refused != "" || strings.Contains(m.View(), "cannot extend") {
		t.Errorf("an answer about the previous id was applied:\n%s", m.View())
	}
}

func TestPickerFillsTheSource(t *testing.T) {
	e := newEnv(t, sim.Options{})
	e.source(t, sim.DemoCity) // now in the history, succeeded
	m := NewExtend(e.deps(), nil).SetSize(80, 24)
	m, _ = press(t, m, "ctrl+p")
	mustContain(t, m.View(), "Pick a finished video", "neon-lit")
	m, _ = press(t, m, "enter")
	if m.get(fSource) != sim.DemoCity || m.focused().id != fPrompt {
		t.Fatalf("source %q, focus %s", m.get(fSource), m.focused().id)
	}
	mustContain(t, m.View(), "✓ done", "neon-lit")
}

func TestGenerateReferenceWithoutImagesIsRefused(t *testing.T) {
	e := newEnv(t, sim.Options{})
	m := NewGenerate(e.deps()).SetSize(80, 24)
	m = typeText(t, m, "a robot waves")
	m, _ = press(t, m, "tab", "left") // text → reference
	if m.get(fType) != "reference" {
		t.Fatalf("type %q", m.get(fType))
	}
	m, msgs := press(t, m, "ctrl+s")
	if m.stage != stageForm || len(msgs) != 0 || m.focused().id != fImages {
		t.Fatalf("stage %v msgs %v focus %s", m.stage, msgs, m.focused().id)
	}
	v := m.View()
	mustContain(t, v, "✗ reference videos take 1 to 3 image URLs (got 0)")
	if strings.Index(v, "✗ reference") > strings.Index(v, "Aspect") {
		t.Errorf("the message must sit beside the images field:\n%s", v)
	}
	if n := e.srv.Sim.Creates(); n != 0 {
		t.Errorf("%d creates", n)
	}
}

func TestGenerateSubmits(t *testing.T) {
	e := newEnv(t, sim.Options{})
	m := NewGenerate(e.deps()).SetSize(80, 24)
	m = typeText(t, m, "a robot waves")
	m, _ = press(t, m, "tab", "right", "tab")
	m = typeText(t, m, "https://example.com/a.png")
	m, _ = press(t, m, "ctrl+s")
	mustContain(t, m.View(), "frames", "https://example.com/a.png", "about 60 credits")
	_, msgs := press(t, m, "enter")
	subs := submitted(t, msgs)
	if len(subs) != 1 || subs[0].Err != nil || subs[0].Task.Status != store.StatusRunning {
		t.Fatalf("%+v", subs)
	}
	if r := subs[0].Task.Request; r.GenerationType != api.TypeFrames || len(r.ImageURLs) != 1 {
		t.Errorf("sent %+v", r)
	}
}

func TestPrefill(t *testing.T) {
	src := demoSource()
	src.Request.Seed = 34186
	src.Request.Watermark = "mine"
	m := NewGenerate(viewDeps()).WithPrefill(PrefillFrom(src))
	if m.get(fPrompt) != src.Request.Prompt || m.get(fWatermark) != "mine" || m.get(fModel) != "veo3_fast" {
		t.Errorf("prefill: prompt %q watermark %q model %q", m.get(fPrompt), m.get(fWatermark), m.get(fModel))
	}
	if m.get(fSeed) != "" {
		t.Error("run again: the seed is left empty so the service rolls a new one")
	}
	m = NewExtend(viewDeps(), src).WithPrefill(Prefill{Prompt: "p", Model: "quality", Seed: 12345})
	if m.get(fModel) != "quality" || m.get(fSeed) != "12345" {
		t.Errorf("model %q seed %q", m.get(fModel), m.get(fSeed))
	}
}

func TestBalanceErrorIsShown(t *testing.T) {
	m := NewExtend(viewDeps(), demoSource())
	mustContain(t, m.View(), "Balance …")
	m, _ = m.Update(creditsMsg{inst: m.inst, gen: m.bal.gen, err: errors.New("credit: key rejected (code 401)")})
	mustContain(t, m.View(), "✗ unavailable: credit: key rejected")
}

// The demo's upscaled source is a 4k render: the composer says so from the
// one rule and sends nothing, as 'veox extend' does headless.
func TestNative4KSourceIsRefusedInTheComposer(t *testing.T) {
	e := newEnv(t, sim.Options{})
	m := NewExtend(e.deps(), nil).SetSize(100, 30)
	m = typeText(t, m, sim.DemoUpscaled)
	m, _ = press(t, m, "tab")
	mustContain(t, m.View(), "✗ cannot extend: it was rendered at 4k")
	m = typeText(t, m, "more")
	m, msgs := press(t, m, "ctrl+s")
	if m.stage != stageForm || len(msgs) != 0 {
		t.Fatalf("stage %v msgs %v", m.stage, msgs)
	}
	if n := e.srv.Sim.Requests(sim.PathExtend); n != 0 {
		t.Errorf("%d extend requests reached the service", n)
	}
}

// The picker lists a video it cannot extend with the reason, and refuses
// to pick it.
func TestPickerSaysWhyAVideoCannotBeExtended(t *testing.T) {
	e := newEnv(t, sim.Options{})
	e.svc.Import(t.Context(), sim.DemoUpscaled)
	m := NewExtend(e.deps(), nil).SetSize(120, 30)
	m, _ = press(t, m, "ctrl+p")
	mustContain(t, m.View(), "cannot extend: rendered at 4k", "paper boat")
	m, _ = press(t, m, "enter")
	mustContain(t, m.View(), "cannot extend this one: it was rendered at 4k")
	if m.get(fSource) != "" {
		t.Errorf("an unextendable video was picked: %q", m.get(fSource))
	}
}
