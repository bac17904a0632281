package cli

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/tasks/frames"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/picture"
)

// framesDir is the frame cache: under the state folder (beside the log),
// the demo's apart.
func framesDir(p config.Paths) string { return filepath.Join(filepath.Dir(p.Log), "frames") }

// newExtractor is the frames service both faces use.
func newExtractor(p config.Paths) *frames.Extractor {
	return frames.New(frames.Config{Dir: framesDir(p)})
}

// stripFrames is how many frames --at strip shows.
const stripFrames = 5

func framesCmd(g *globals) *cobra.Command {
	var at, out string
	var asJSON bool
	cmd := &cobra.Command{
		Annotations: taskArgs("all"),
		Use:         "frames ID [--at first|last|seam|strip|SECONDS] [--out FILE.png]",
		Short:       "Show or save frames of a downloaded video: the seam of an extension, its first or last frame",
		Long: "frames takes still frames out of a downloaded video with ffmpeg (it must be on PATH):\n" +
			"  --at last     the last frame (the default)\n" +
			"  --at first    the first frame\n" +
			"  --at SECONDS  the first frame shown at or after that time, such as 7.5\n" +
			"  --at seam     an extension's source's last frame beside its first new frame\n" +
			"  --at strip    five frames across the video, first to last\n" +
			"With --out the frames are written as one PNG at full size; without it they are drawn\n" +
			"in the terminal (kitty, iTerm2 or sixel images where the terminal has them, else\n" +
			"coloured half-blocks; VEOX_GRAPHICS=kitty|iterm2|sixel|blocks|plain chooses), or,\n" +
			"when stdout is not a terminal, written to it as a PNG. Frames are kept under the\n" +
			"state folder, so each is decoded once.",
		Example: "  veox frames " + "ID --at seam --out seam.png\n  veox frames ID --at 4 > four.png",
		Args:    cobra.ExactArgs(1),
		RunE: withBrowseEnv(g, false, func(cmd *cobra.Command, env *Env, args []string) error {
			req, err := parseFramesAt(at)
			if err != nil {
				return usageErr(err)
			}
			if asJSON && out == "" {
				return usageErr(errors.New("--json needs --out FILE.png: stdout carries the JSON"))
			}
			t, err := env.Store.Get(args[0])
			if err != nil {
				return err
			}
			if err := framesReady(t, req); err != nil {
				return err
			}
			r := &framesRun{cmd: cmd, env: env, task: t, req: req, ex: newExtractor(env.Paths)}
			if out == "" {
				return r.show(g.getenv)
			}
			return r.save(out, asJSON)
		}),
	}
	cmd.Flags().StringVar(&at, "at", "last", "which frame: first, last, seam, strip or a time in seconds")
	cmd.Flags().StringVar(&out, "out", "", "write the frame(s) to this PNG file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print what was written as JSON (needs --out)")
	return cmd
}

// framesAt is what --at asks for.
type framesAt struct {
	name  string // as given, normalised: first, last, seam, strip or seconds
	at    frames.At
	seam  bool
	strip bool
}

func parseFramesAt(s string) (framesAt, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "seam":
		return framesAt{name: v, seam: true}, nil
	case "strip":
		return framesAt{name: v, strip: true}, nil
	}
	at, err := frames.ParseAt(s)
	if err != nil {
		return framesAt{}, fmt.Errorf("--at: %w (or seam, or strip)", err)
	}
	return framesAt{name: at.String(), at: at}, nil
}

// framesReady: only a finished video has frames, and only an extension a
// seam. The exit codes are download's for the same states.
func framesReady(t *store.Task, req framesAt) error {
	if code := stateCode(t); code != ExitOK {
		kind := map[int]string{ExitRunning: kindRunning, ExitUnknown: kindUnknown}[code]
		if kind == "" {
			kind = "failed"
		}
		return &exitError{code, kind, fmt.Errorf("%s is %s: only finished videos have frames", format.ID(t), format.StatusWord(t.Status))}
	}
	if req.seam && t.Kind != store.KindExtend {
		return &exitError{ExitUsage, kindInput, fmt.Errorf("--at seam needs an extension; %s is not one (kind %s): try --at first or --at last", format.ID(t), format.Kind(t))}
	}
	return nil
}

// framesRun is one 'veox frames'.
type framesRun struct {
	cmd  *cobra.Command
	env  *Env
	task *store.Task
	req  framesAt
	ex   *frames.Extractor
}

// shot is a frame got, with what it is, for captions and JSON.
type shot struct {
	img     image.Image
	video   frames.Video
	at      frames.At
	caption string
}

// shots decodes what was asked at the given size.
func (r *framesRun) shots(size frames.Size) ([]shot, *frames.Seam, error) {
	ctx := r.cmd.Context()
	if r.req.seam {
		return r.seamShots(size)
	}
	v, ok := frames.VideoOf(r.task)
	if !ok {
		return nil, nil, localStep(kindLocal, &frames.Problem{Reason: format.ID(r.task) + " is not downloaded",
			Fix: "download it first: veox download " + format.ID(r.task), Err: frames.ErrNoFile})
	}
	if r.req.strip {
		imgs, ats, err := r.ex.Strip(ctx, v, stripFrames, size)
		if err != nil {
			return nil, nil, localStep(kindLocal, err)
		}
		out := make([]shot, len(imgs))
		for i := range imgs {
			out[i] = shot{imgs[i], v, ats[i], ats[i].String()}
		}
		return out, nil, nil
	}
	img, err := r.ex.Frame(ctx, v, r.req.at, size)
	if err != nil {
		return nil, nil, localStep(kindLocal, err)
	}
	return []shot{{img, v, r.req.at, r.req.at.String() + " frame"}}, nil, nil
}

func (r *framesRun) seamShots(size frames.Size) ([]shot, *frames.Seam, error) {
	var parent *store.Task
	if p, err := r.env.Store.Get(r.task.ParentID); err == nil {
		parent = p
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, nil, err
	}
	s, err := r.ex.Seam(r.cmd.Context(), r.task, parent, size)
	if err != nil {
		return nil, nil, localStep(kindLocal, err)
	}
	if s.Missing != nil {
		return nil, nil, localStep(kindLocal, fmt.Errorf("no seam to show: %w", s.Missing))
	}
	ev, _ := frames.VideoOf(r.task)
	before := shot{s.Before, ev, frames.Before(s.At), "the stitched video before " + secondsWord(s.At)}
	if s.FromSource {
		pv, _ := frames.VideoOf(parent)
		before = shot{s.Before, pv, frames.Last(), "source's last frame"}
	}
	after := shot{s.After, ev, frames.Time(s.At), "first new frame, at " + secondsWord(s.At)}
	return []shot{before, after}, s, nil
}

func secondsWord(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }

// save writes the frames side by side at full size to path.
func (r *framesRun) save(path string, asJSON bool) error {
	shots, seam, err := r.shots(frames.Full)
	if err != nil {
		return err
	}
	img := compose(shots)
	abs, err := filepath.Abs(path)
	if err != nil {
		return usageErr(err)
	}
	if err := writePNG(abs, img); err != nil {
		return localStep(kindLocal, err)
	}
	if asJSON {
		return writeJSON(r.cmd.OutOrStdout(), r.doc(abs, img, shots, seam))
	}
	fmt.Fprintf(r.cmd.OutOrStdout(), "%s  %d×%d  %s\n", abs, img.Bounds().Dx(), img.Bounds().Dy(), captions(shots, " | "))
	return nil
}

// compose is the frames in a row, exactly as decoded when there is one or
// their sizes agree: a seam's halves are the two frames.
func compose(shots []shot) image.Image {
	if len(shots) == 1 {
		return shots[0].img
	}
	imgs := make([]image.Image, len(shots))
	for i, s := range shots {
		imgs[i] = s.img
	}
	return picture.SideBySide(0, imgs...)
}

// writePNG writes beside the final name and renames, so the file is whole
// or absent.
func writePNG(path string, img image.Image) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".veox-frame-*.png")
	if err != nil {
		return err
	}
	err = png.Encode(tmp, img)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

func captions(shots []shot, sep string) string {
	parts := make([]string, len(shots))
	for i, s := range shots {
		parts[i] = s.caption
	}
	return strings.Join(parts, sep)
}

// framesJSON is what --json prints after writing the PNG.
type framesJSON struct {
	TaskID   string      `json:"taskId"`
	LocalID  string      `json:"localId"`
	At       string      `json:"at"`
	Out      string      `json:"out"`
	Width    int         `json:"width"`
	Height   int         `json:"height"`
	Frames   []frameJSON `json:"frames"`
	Seam     *float64    `json:"seamSeconds"` // where the new part starts in the extension's file; null unless --at seam
	Stitched *bool       `json:"stitched"`    // the extension's file holds its source too; null unless --at seam
}

type frameJSON struct {
	Video   string   `json:"video"`
	SHA256  string   `json:"sha256"`
	Frame   string   `json:"frame"`   // first, last, "8.000 s", "before 8.000 s"
	Seconds *float64 `json:"seconds"` // the time asked for; null for first and last
	Caption string   `json:"caption"`
}

func (r *framesRun) doc(out string, img image.Image, shots []shot, seam *frames.Seam) framesJSON {
	d := framesJSON{TaskID: r.task.TaskID, LocalID: r.task.LocalID, At: r.req.name, Out: out,
		Width: img.Bounds().Dx(), Height: img.Bounds().Dy(), Frames: []frameJSON{}}
	for _, s := range shots {
		f := frameJSON{Video: s.video.Path, SHA256: s.video.SHA256, Frame: s.at.String(), Caption: s.caption}
		if secs := s.at.Seconds(); secs > 0 {
			f.Seconds = &secs
		}
		d.Frames = append(d.Frames, f)
	}
	if seam != nil {
		secs, st := seam.At.Seconds(), seam.Stitched
		d.Seam, d.Stitched = &secs, &st
	}
	return d
}

// show draws the frames in the terminal, or writes a PNG to stdout when it
// is not one.
func (r *framesRun) show(getenv func(string) string) error {
	w := r.cmd.OutOrStdout()
	f, isTerm := terminalOf(w)
	if !isTerm {
		shots, _, err := r.shots(frames.Full)
		if err != nil {
			return err
		}
		return localStep(kindLocal, png.Encode(w, compose(shots)))
	}
	proto := picture.Detect(getenv)
	if proto == picture.Plain {
		fmt.Fprintf(w, "%s %s: not drawn without colour (NO_COLOR or TERM=dumb); --out FILE.png writes it\n",
			format.ID(r.task), r.req.name)
		return nil
	}
	size := frames.Preview
	if proto != picture.Blocks {
		size = frames.Size{W: 1280, H: 1280} // the terminal scales it to the cells
	}
	shots, _, err := r.shots(size)
	if err != nil {
		return err
	}
	cols, rows := 100, 30
	if c, h, err := term.GetSize(f.Fd()); err == nil {
		cols, rows = min(c, 160), max(h-4, 6)
	}
	img := picture.SideBySide(gapPixels(shots), shotsImages(shots)...)
	c, rw := picture.Fit(img.Bounds().Dx(), img.Bounds().Dy(), cols, rows)
	// f is a terminal (terminalOf): termenv must not guess otherwise from $CI.
	painter := picture.Painter{Profile: termenv.NewOutput(f, termenv.WithTTY(true)).EnvColorProfile()}
	if err := picture.Write(w, proto, painter, img, c, rw); err != nil {
		return localStep(kindLocal, err)
	}
	fmt.Fprintln(w, underCaptions(shots, img.Bounds().Dx(), c))
	return nil
}

// underCaptions puts each frame's caption under it, cut to its width.
func underCaptions(shots []shot, pixels, cols int) string {
	var b strings.Builder
	x := 0
	for i, s := range shots {
		end := cols
		if i < len(shots)-1 {
			x += s.img.Bounds().Dx() + gapPixels(shots)
			end = x * cols / max(pixels, 1)
		}
		w := end - ansi.StringWidth(b.String())
		if i == len(shots)-1 {
			b.WriteString(format.Line(s.caption, max(w, 1)))
		} else {
			b.WriteString(format.Pad(format.Line(s.caption, max(w-1, 1)), max(w, 0)))
		}
	}
	return strings.TrimRight(b.String(), " ")
}

func shotsImages(shots []shot) []image.Image {
	imgs := make([]image.Image, len(shots))
	for i, s := range shots {
		imgs[i] = s.img
	}
	return imgs
}

// gapPixels parts the frames in a terminal by about a cell.
func gapPixels(shots []shot) int {
	if len(shots) < 2 {
		return 0
	}
	return max(2, shots[0].img.Bounds().Dx()/40)
}

// terminalOf is the terminal behind the command's stdout, if it is one.
func terminalOf(w io.Writer) (*os.File, bool) {
	if cw, ok := w.(*countingWriter); ok {
		w = cw.w
	}
	f, ok := w.(*os.File)
	return f, ok && term.IsTerminal(f.Fd())
}
