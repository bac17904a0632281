package tasklist

import "github.com/charmbracelet/bubbles/key"

// keyMap is every binding of the Tasks screen. Update matches on these
// values and the help is built from them, so help never drifts.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom  key.Binding
	HalfUp, HalfDown                         key.Binding
	NextView, PrevView, Running, All, Failed key.Binding
	Search, ClearSearch, EndSearch           key.Binding
	Details, Extend, ExtendByID, Generate    key.Binding
	Download, Downloads, Hide                key.Binding
	Spending                                 key.Binding
	Tree, Story, Stories                     key.Binding
	// On the selected row (or the marked ones): actions.go.
	Play, Folder, Copy, Upscale, Again, Mark, ClearMarks key.Binding
	// The copy menu's choices, after Copy.
	CopyURL, CopyPath, CopyPrompt, CopySeed, CopyID, CopyCancel key.Binding
}

func newKeys() keyMap {
	b := key.NewBinding
	k, h := key.WithKeys, key.WithHelp
	return keyMap{
		Up:       b(k("up", "k"), h("↑/k", "up")),
		Down:     b(k("down", "j"), h("↓/j", "down")),
		PageUp:   b(k("pgup"), h("pgup", "page up")),
		PageDown: b(k("pgdown"), h("pgdn", "page down")),
		HalfUp:   b(k("ctrl+u"), h("ctrl+u", "half up")),
		HalfDown: b(k("ctrl+d"), h("ctrl+d", "half down")),
		// g is generate: the newest is home or <, the oldest end, G or >
		// (G as in less and vim; the whole history, not what is loaded).
		Top:         b(k("home", "<"), h("home/<", "newest")),
		Bottom:      b(k("end", "G", ">"), h("end/G", "oldest")),
		NextView:    b(k("tab"), h("tab", "next view")),
		PrevView:    b(k("shift+tab"), h("shift+tab", "previous view")),
		Running:     b(k("1"), h("1", "running")),
		All:         b(k("2"), h("2", "all")),
		Failed:      b(k("3"), h("3", "failed")),
		Search:      b(k("/"), h("/", "search")),
		ClearSearch: b(k("esc"), h("esc", "clear search")),
		EndSearch:   b(k("enter", "down"), h("enter", "browse results")),
		Details:     b(k("enter"), h("enter", "details")),
		Extend:      b(k("n"), h("n", "extend")),
		ExtendByID:  b(k("N"), h("N", "extend by id")),
		Hide:        b(k("x"), h("x", "remove if never created")),
		Generate:    b(k("g"), h("g", "generate")),
		Download:    b(k("d"), h("d", "download again")),
		Downloads:   b(k("f"), h("f", "downloads")),
		Spending:    b(k("$"), h("$", "spending")),
		Tree:        b(k("t"), h("t", "lineage tree")),
		Story:       b(k("s"), h("s", "plan a story from it")),
		Stories:     b(k("w"), h("w", "stories")),
		Play:        b(k("o"), h("o", "play")),
		Folder:      b(k("O"), h("O", "open its folder")),
		Copy:        b(k("c"), h("c", "copy…")),
		Upscale:     b(k("u"), h("u", "upscale")),
		Again:       b(k("r"), h("r", "run again, new seed")),
		Mark:        b(k(" "), h("space", "mark")),
		ClearMarks:  b(k("esc"), h("esc", "clear marks")),
		CopyURL:     b(k("u", "c"), h("u/c", "URL")),
		CopyPath:    b(k("f"), h("f", "file path")),
		CopyPrompt:  b(k("p"), h("p", "prompt")),
		CopySeed:    b(k("s"), h("s", "seed")),
		CopyID:      b(k("i"), h("i", "id")),
		CopyCancel:  b(k("esc"), h("esc", "cancel")),
	}
}

// helpMap is the help of the screen's current state.
type helpMap struct {
	short []key.Binding
	full  [][]key.Binding
}

func (h helpMap) ShortHelp() []key.Binding  { return h.short }
func (h helpMap) FullHelp() [][]key.Binding { return h.full }

func (k keyMap) help(searching, results bool, marked int, copying bool) helpMap {
	if searching {
		b := []key.Binding{k.EndSearch, k.ClearSearch}
		return helpMap{short: b, full: [][]key.Binding{b}}
	}
	if copying {
		b := []key.Binding{k.CopyURL, k.CopyPath, k.CopyPrompt, k.CopySeed, k.CopyID, k.CopyCancel}
		return helpMap{short: b, full: [][]key.Binding{b}}
	}
	short := []key.Binding{k.Extend, k.Generate, k.Details, k.Search, k.NextView}
	if marked > 0 {
		short = []key.Binding{k.Download, k.Hide, k.Again, k.Mark, k.ClearMarks}
	}
	if results && marked == 0 {
		short = append(short, k.ClearSearch)
	}
	return helpMap{short: short, full: [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.HalfUp, k.HalfDown, k.Top, k.Bottom},
		{k.NextView, k.PrevView, k.Running, k.All, k.Failed, k.Search, k.ClearSearch},
		{k.Details, k.Extend, k.ExtendByID, k.Generate, k.Download, k.Downloads, k.Spending, k.Hide},
		{k.Play, k.Folder, k.Copy, k.Upscale, k.Again, k.Mark, k.ClearMarks},
		{k.Story, k.Stories, k.Tree},
	}}
}
