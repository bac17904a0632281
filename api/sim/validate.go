package sim

import (
	"slices"
	"strings"
)

// validateGenerate applies the service's rules and fills in its defaults.
// A missing prompt comes back as code 500 "This field is required": the
// real service disguises that validation error as a server error.
func validateGenerate(b *generateBody) *refusal {
	if strings.TrimSpace(b.Prompt) == "" {
		return refuse(500, "This field is required")
	}
	if b.Model == "" {
		b.Model = "veo3_fast"
	}
	if !slices.Contains([]string{"veo3", "veo3_fast", "veo3_lite"}, b.Model) {
		return refuse(422, "model must be one of veo3, veo3_fast, veo3_lite")
	}
	if r := validateImages(b); r != nil {
		return r
	}
	return validateShape(b)
}

// validateImages checks generationType against imageUrls and the model.
func validateImages(b *generateBody) *refusal {
	if b.GenerationType == "" {
		b.GenerationType = "TEXT_2_VIDEO"
		if len(b.ImageURLs) > 0 {
			b.GenerationType = "FIRST_AND_LAST_FRAMES_2_VIDEO"
		}
	}
	n := len(b.ImageURLs)
	switch b.GenerationType {
	case "TEXT_2_VIDEO":
		if n > 0 {
			return refuse(422, "imageUrls are not allowed for TEXT_2_VIDEO")
		}
	case "FIRST_AND_LAST_FRAMES_2_VIDEO":
		if n < 1 || n > 2 {
			return refuse(422, "FIRST_AND_LAST_FRAMES_2_VIDEO needs 1 or 2 imageUrls")
		}
	case "REFERENCE_2_VIDEO":
		if n < 1 || n > 3 {
			return refuse(422, "REFERENCE_2_VIDEO needs 1 to 3 imageUrls")
		}
		if b.Model != "veo3_fast" {
			return refuse(422, "REFERENCE_2_VIDEO is only supported by veo3_fast")
		}
		if b.Duration != 0 && b.Duration != 8 {
			return refuse(422, "REFERENCE_2_VIDEO only supports duration 8")
		}
	default:
		return refuse(422, "generationType must be TEXT_2_VIDEO, FIRST_AND_LAST_FRAMES_2_VIDEO or REFERENCE_2_VIDEO")
	}
	for _, u := range b.ImageURLs {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return refuse(451, "Failed to fetch the image: %s is not a public http(s) URL", u)
		}
	}
	return nil
}

// validateShape checks aspect ratio, resolution, duration and seeds.
func validateShape(b *generateBody) *refusal {
	if b.AspectRatio == "" {
		b.AspectRatio = "16:9"
	}
	if !slices.Contains([]string{"16:9", "9:16", "Auto"}, b.AspectRatio) {
		return refuse(422, "aspectRatio must be 16:9, 9:16 or Auto")
	}
	if b.Resolution == "" {
		b.Resolution = "720p"
	}
	if !slices.Contains([]string{"720p", "1080p", "4k"}, b.Resolution) {
		return refuse(422, "resolution must be 720p, 1080p or 4k")
	}
	if b.Duration == 0 {
		b.Duration = 8
	}
	if b.Duration != 4 && b.Duration != 6 && b.Duration != 8 {
		return refuse(422, "duration must be 4, 6 or 8")
	}
	return validateSeeds(b.Seeds)
}

func validateSeeds(seeds int) *refusal {
	if seeds != 0 && (seeds < seedMin || seeds > seedMax) {
		return refuse(422, "seeds must be between 10000 and 99999")
	}
	return nil
}

// validateExtend checks the request itself; the source task is checked
// under the lock in extendLocked.
func validateExtend(b *extendBody) *refusal {
	if strings.TrimSpace(b.TaskID) == "" {
		return refuse(422, "taskId is required")
	}
	if strings.TrimSpace(b.Prompt) == "" {
		return refuse(500, "This field is required")
	}
	if b.Model == "" {
		b.Model = "fast"
	}
	if !slices.Contains([]string{"fast", "quality", "lite"}, b.Model) {
		return refuse(422, "model must be fast, quality or lite (not the veo3 names of generate)")
	}
	return validateSeeds(b.Seeds)
}
