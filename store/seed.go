package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// seedBatch is how many tasks SeedHistory writes per transaction: one fsync
// per batch keeps a 100,000-task seed to seconds.
const seedBatch = 1000

// seedSpan is how far back the seeded history reaches.
const seedSpan = 180 * 24 * time.Hour

// SeedHistory adds n realistic tasks created over the months before now:
// prompts built from word lists, generations with chains of extensions and
// the odd upscale, mixed models, seeds and statuses, a handful still active
// near now. It is deterministic for a given (n, now), so re-running it with
// the same arguments rewrites the same tasks instead of adding more. Used by
// 'veox seed-history' and the store's benchmarks.
func SeedHistory(s *Store, n int, now time.Time) error {
	if err := s.writable(); err != nil {
		return err
	}
	g := newSeeder(n, now)
	for done := 0; done < n; {
		size := min(seedBatch, n-done)
		err := s.update(func(tx *bolt.Tx) error {
			for i := 0; i < size; i++ {
				t := g.task(done + i)
				old, err := loadTx(tx, t.LocalID) // nil unless re-seeding
				if err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
				if err := writeTx(tx, old, t); err != nil {
					return fmt.Errorf("seed task %d: %w", done+i, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += size
		// Seal the search pack as a history that grows does (Open, when
		// its newest entries pile up), so the pages each seal frees are
		// taken again by the next batch instead of left free in the file.
		if err := s.maybeSeal(); err != nil {
			return err
		}
	}
	return nil
}

// seeder makes the tasks in creation order, remembering recent successful
// clips so extensions and upscales have parents that came before them.
type seeder struct {
	rng     *rand.Rand
	n       int
	now     time.Time
	start   time.Time
	step    time.Duration
	parents []string // recent succeeded, still extendable task ids
}

func newSeeder(n int, now time.Time) *seeder {
	step := seedSpan / time.Duration(max(n, 1))
	return &seeder{
		rng:   rand.New(rand.NewPCG(uint64(now.UnixNano()), uint64(n))),
		n:     n,
		now:   now,
		start: now.Add(-seedSpan),
		step:  max(step, time.Microsecond),
	}
}

func (g *seeder) task(i int) *Task {
	created := g.start.Add(time.Duration(i)*g.step + time.Duration(g.rng.Int64N(int64(g.step))))
	var r [4]byte
	for j := range r {
		r[j] = byte(g.rng.IntN(32))
	}
	t := &Task{
		LocalID:   localIDFor(created.UnixNano(), r),
		TaskID:    g.hex(32),
		Kind:      g.kind(),
		CreatedAt: created,
	}
	t.Request = Request{Prompt: g.prompt(), Seed: g.seed()}
	if t.Kind != KindGenerate && t.Kind != KindImport && len(g.parents) > 0 {
		t.ParentID = g.parents[g.rng.IntN(len(g.parents))]
	} else if t.Kind != KindImport {
		t.Kind = KindGenerate
	}
	g.request(t)
	g.outcome(t, g.n-i)
	if t.Status == StatusSucceeded && (t.Kind == KindGenerate || t.Kind == KindExtend) {
		g.parents = append(g.parents, t.TaskID)
		if len(g.parents) > 20 {
			g.parents = g.parents[1:]
		}
	}
	return t
}

func (g *seeder) kind() string {
	switch x := g.rng.IntN(100); {
	case x < 58:
		return KindGenerate
	case x < 90:
		return KindExtend
	case x < 97:
		return KindUpscale
	default:
		return KindImport
	}
}

func (g *seeder) request(t *Task) {
	r := &t.Request
	switch t.Kind {
	case KindGenerate:
		r.Model = pick(g.rng, "veo3_fast", "veo3_fast", "veo3", "veo3_lite")
		r.GenerationType = pick(g.rng, "TEXT_2_VIDEO", "TEXT_2_VIDEO", "TEXT_2_VIDEO", "FIRST_AND_LAST_FRAMES_2_VIDEO", "REFERENCE_2_VIDEO")
		r.AspectRatio = pick(g.rng, "16:9", "16:9", "9:16", "Auto")
		r.Resolution = "720p"
		r.Duration = 8
		if r.GenerationType != "TEXT_2_VIDEO" {
			r.ImageURLs = []string{"https://images.example.com/ref/" + g.hex(12) + ".jpg"}
		}
	case KindExtend:
		r.Model = pick(g.rng, "fast", "fast", "quality", "lite")
	case KindUpscale:
		r.UpscaleTo = pick(g.rng, "1080p", "1080p", "4k")
		r.Prompt = ""
	}
	if g.rng.IntN(10) == 0 {
		r.Watermark = pick(g.rng, "@mira.makes", "STUDIO NORTH", "draft", "kestrel films")
	}
}

// outcome sets the status and what goes with it. The newest few tasks
// (fromEnd small) are still in flight, as in a real session.
func (g *seeder) outcome(t *Task, fromEnd int) {
	status := StatusSucceeded
	switch {
	case fromEnd <= 3:
		status = pick(g.rng, StatusRunning, StatusRunning, StatusSubmitting)
	case fromEnd <= 5 && g.rng.IntN(3) == 0:
		status = StatusUnknown
	case g.rng.IntN(100) < 12:
		status = StatusFailed
	}
	t.Events = []Event{{At: t.CreatedAt, Status: StatusSubmitting}}
	t.Status = StatusSubmitting
	if status == StatusSubmitting || status == StatusUnknown {
		t.TaskID = ""
		t.SetStatus(status, t.CreatedAt.Add(2*time.Second), "")
		return
	}
	t.SubmittedAt = t.CreatedAt.Add(time.Duration(300+g.rng.IntN(1500)) * time.Millisecond)
	t.SetStatus(StatusRunning, t.SubmittedAt, "")
	if status == StatusRunning {
		return
	}
	t.CompletedAt = t.SubmittedAt.Add(time.Duration(60+g.rng.IntN(720)) * time.Second)
	t.PolledAt = t.CompletedAt.Add(time.Duration(g.rng.IntN(30)) * time.Second)
	if status == StatusFailed {
		t.Error = g.failure()
		t.SetStatus(StatusFailed, t.CompletedAt, t.Error.Message)
		return
	}
	g.results(t)
	t.SetStatus(StatusSucceeded, t.CompletedAt, "")
}

func (g *seeder) failure() *TaskError {
	switch g.rng.IntN(4) {
	case 0:
		return &TaskError{Code: 400, Kind: "content_policy", Message: "Your prompt was flagged by the content policy."}
	case 1:
		return &TaskError{Code: 501, Kind: "generation_failed", Message: "Generation failed, please try again."}
	case 2:
		return &TaskError{Code: 500, Kind: "internal", Message: "Internal error: task timed out."}
	default:
		return &TaskError{Code: 400, Kind: "image_fetch", Message: "Failed to fetch the image. Check that the URL is public."}
	}
}

func (g *seeder) results(t *Task) {
	base := "https://tempfile.aiquickdraw.com/v/" + t.TaskID
	t.ResultURLs = []string{base + "_0.mp4"}
	if t.Kind == KindExtend {
		t.FullResultURLs = []string{base + "_full.mp4"}
	}
	t.URLsAt = t.CompletedAt
	t.Resolution = "720p"
	if t.Kind == KindUpscale {
		t.Resolution = t.Request.UpscaleTo
	}
	t.Seeds = []int{g.seed()}
	if g.rng.IntN(4) != 0 { // most results were downloaded
		day := t.CreatedAt.Format("2006-01-02")
		t.Files = []File{{
			Path:         fmt.Sprintf("/home/mira/Videos/veox/%s_%s_%s.mp4", day, t.TaskID[:8], slug(t.Request.Prompt)),
			URL:          t.BestURLs()[0],
			Size:         int64(2_000_000 + g.rng.IntN(14_000_000)),
			SHA256:       g.hex(64),
			Duration:     8 * time.Second,
			DownloadedAt: t.CompletedAt.Add(time.Duration(5+g.rng.IntN(60)) * time.Second),
		}}
	}
}

func (g *seeder) seed() int { return 10000 + g.rng.IntN(90000) }

func (g *seeder) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

// prompt assembles a creator's prompt: subject, action, place, light,
// camera and style, each from a word list.
func (g *seeder) prompt() string {
	subjects := []string{"A red fox", "An old fisherman", "A paper boat", "Two astronauts", "A street dancer",
		"A golden retriever", "A lighthouse keeper", "A hummingbird", "A vintage tram", "A chef", "A robot barista",
		"A girl in a yellow raincoat", "A herd of wild horses", "A glass jellyfish", "A skateboarder"}
	actions := []string{"walks slowly through", "races across", "drifts above", "waits patiently in", "spins around in",
		"discovers a hidden door in", "pours coffee in", "dances in the rain in", "climbs the rooftops of", "glides over"}
	places := []string{"a snowy pine forest", "a neon-lit Tokyo alley", "the surface of Mars", "a crowded night market",
		"an abandoned greenhouse", "a quiet harbour at dawn", "a desert canyon", "a floating island", "a 1970s diner",
		"a coral reef", "a misty Scottish glen", "a library with endless shelves"}
	lights := []string{"golden hour light", "soft overcast light", "moody blue hour", "harsh midday sun",
		"flickering candlelight", "volumetric fog and god rays", "pastel sunrise"}
	cameras := []string{"slow dolly-in", "handheld tracking shot", "aerial drone sweep", "static wide shot",
		"low-angle close-up", "orbiting camera", "rack focus from foreground"}
	styles := []string{"cinematic, 35mm film grain", "Studio Ghibli style", "hyperrealistic, 8k detail",
		"documentary style", "stop-motion look", "anamorphic lens flares", "black and white noir"}
	p := fmt.Sprintf("%s %s %s, %s, %s, %s.", pick(g.rng, subjects...), pick(g.rng, actions...), pick(g.rng, places...),
		pick(g.rng, lights...), pick(g.rng, cameras...), pick(g.rng, styles...))
	if g.rng.IntN(5) == 0 {
		p += " " + pick(g.rng, "Ambient sound of wind and distant birds.", "Dialogue: \"We're almost there.\"",
			"Upbeat synth music.", "No music, natural sound only.")
	}
	return p
}

func pick(rng *rand.Rand, options ...string) string { return options[rng.IntN(len(options))] }

// slug is a short file-name-safe form of a prompt, as the downloader makes.
func slug(prompt string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(prompt) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 32 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}
