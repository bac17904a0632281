#!/bin/sh
# Regenerates the sample clips in clips/. The project never needs ffmpeg to
# build or run: the clips are committed and embedded. This script only
# documents how they were made, so they can be remade or changed knowingly.
#
# All clips: H.264 (libx264, baseline-ish small settings) + AAC mono 32 kb/s,
# 320x180 at 24 fps, like a tiny Veo result. Some use +faststart (moov before
# mdat) and some do not (moov at the end), because real result hosts serve
# both layouts and the client's MP4 check must accept either.
set -eu
cd "$(dirname "$0")/clips"

# enc INPUT_VIDEO AUDIO_FREQ SECONDS OUTPUT [extra ffmpeg args...]
enc() {
	src=$1 freq=$2 secs=$3 out=$4
	shift 4
	ffmpeg -hide_banner -loglevel error -y \
		-f lavfi -i "$src" \
		-f lavfi -i "sine=frequency=$freq:sample_rate=22050" \
		-t "$secs" -map 0:v -map 1:a \
		-c:v libx264 -preset veryslow -crf 35 -pix_fmt yuv420p -g 48 \
		-c:a aac -b:a 32k -ac 1 \
		-map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact \
		"$@" "$out"
}

enc "testsrc2=size=320x180:rate=24" 440 8 source8a.mp4 -movflags +faststart
enc "smptebars=size=320x180:rate=24" 330 8 source8b.mp4
enc "mandelbrot=size=320x180:rate=24" 550 8 source8c.mp4 -movflags +faststart
enc "testsrc=size=320x180:rate=24" 262 15 extended15.mp4
enc "rgbtestsrc=size=320x180:rate=24" 392 22 extended22.mp4 -movflags +faststart
