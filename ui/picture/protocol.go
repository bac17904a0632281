package picture

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/iterm2"
	"github.com/charmbracelet/x/ansi/kitty"
)

// Protocol is how a picture reaches a terminal.
type Protocol int

const (
	Plain  Protocol = iota // no picture: a line of words (NO_COLOR, a dumb terminal)
	Blocks                 // half-block characters in colour
	Kitty                  // the kitty graphics protocol (kitty, Ghostty)
	ITerm2                 // iTerm2's inline images (iTerm2, WezTerm)
	Sixel                  // DEC sixel graphics (foot, mlterm, contour)
)

func (p Protocol) String() string {
	return [...]string{"plain", "blocks", "kitty", "iterm2", "sixel"}[p]
}

// ParseProtocol reads VEOX_GRAPHICS's values.
func ParseProtocol(s string) (Protocol, bool) {
	for p := Plain; p <= Sixel; p++ {
		if strings.EqualFold(s, p.String()) {
			return p, true
		}
	}
	return Plain, false
}

// Detect picks the protocol from the environment alone (headless commands
// never query the terminal): VEOX_GRAPHICS when set, then NO_COLOR and dumb
// terminals (plain), tmux and screen (half-blocks: images need
// passthrough there), the terminals known by their own variables, and
// half-blocks for the rest.
func Detect(getenv func(string) string) Protocol {
	if p, ok := ParseProtocol(getenv("VEOX_GRAPHICS")); ok {
		return p
	}
	term, prog := getenv("TERM"), getenv("TERM_PROGRAM")
	switch {
	case getenv("NO_COLOR") != "", term == "" || term == "dumb":
		return Plain
	case getenv("TMUX") != "", strings.HasPrefix(term, "screen"), strings.HasPrefix(term, "tmux"):
		return Blocks
	case getenv("KITTY_WINDOW_ID") != "", term == "xterm-kitty", term == "xterm-ghostty", prog == "ghostty":
		return Kitty
	case prog == "iTerm.app", getenv("LC_TERMINAL") == "iTerm2", prog == "WezTerm":
		return ITerm2
	case strings.HasPrefix(term, "foot"), strings.HasPrefix(term, "mlterm"), strings.HasPrefix(term, "contour"):
		return Sixel
	}
	return Blocks
}

// Write draws img in cols×rows cells with the protocol and ends the line.
// Half-blocks use the painter's colours; a graphics protocol gets the
// picture whole and scales it to the cells itself (sixel, which has no
// cells, gets it at about 10×20 pixels a cell).
func Write(w io.Writer, p Protocol, painter Painter, img image.Image, cols, rows int) error {
	var err error
	switch p {
	case Kitty:
		err = kitty.EncodeGraphics(w, img, &kitty.Options{Action: kitty.TransmitAndPut, Format: kitty.PNG,
			Transmission: kitty.Direct, Quite: 2, Chunk: true, Columns: cols, Rows: rows})
	case ITerm2:
		err = writeITerm2(w, img, cols, rows)
	case Sixel:
		err = writeSixel(w, img, cols, rows)
	case Blocks:
		_, err = io.WriteString(w, painter.Blocks(img, cols, rows))
	default:
		return nil
	}
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

func writeITerm2(w io.Writer, img image.Image, cols, rows int) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	content := base64.StdEncoding.EncodeToString(buf.Bytes())
	_, err := io.WriteString(w, ansi.ITerm2(iterm2.File{Name: "frame.png", Size: int64(buf.Len()), Inline: true,
		Width: iterm2.Cells(cols), Height: iterm2.Cells(rows), Content: []byte(content)}))
	return err
}

func writeSixel(w io.Writer, img image.Image, cols, rows int) error {
	b := img.Bounds()
	pw, ph := b.Dx(), b.Dy()
	if maxW, maxH := cols*10, rows*20; pw > maxW || ph > maxH {
		c, r := Fit(pw, ph, maxW, maxH/2) // Fit counts two pixels a row
		pw, ph = c, 2*r
	}
	_, err := io.WriteString(w, ansi.SixelGraphics(0, 1, 0, sixelPayload(Scale(img, pw, ph))))
	return err
}
