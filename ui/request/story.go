package request

import (
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// The requests of stories and the lineage tree.

// ShowTree opens the lineage tree of a task (by local or service id).
type ShowTree struct{ ID string }

// ShowStories opens the list of stories.
type ShowStories struct{}

// OpenStory opens one story's view.
type OpenStory struct{ ID string }

// PlanStory opens the story editor for a new story from Source.
type PlanStory struct{ Source *store.Task }

// StartStory runs a story the user confirmed in its review: the root
// starts it and drives it from then on.
type StartStory struct{ ID string }

// StopStory stops a running story: nothing more is sent.
type StopStory struct{ ID string }

// StoryChanged is the root's news of a story for the screens that show it
// (a step sent, the story stopped or done).
type StoryChanged struct{ View *tasks.StoryView }
