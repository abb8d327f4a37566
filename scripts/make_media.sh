#!/usr/bin/env bash
# Regenerates the small media files committed to the repository (needs ffmpeg with libx264,
# libx265 and libmp3lame, espeak-ng and fonts-wqy-microhei; Debian's packages have them).
# The files are generated, not recorded, so they carry no one's rights or likeness.
#   tests/data/media/   2-second clips, one per container and codec the player must handle
#   resources/demo/     the practice session's audiovisual works (make demo)
set -euo pipefail
cd "$(dirname "$0")/.."
ff=(ffmpeg -hide_banner -loglevel error -y)
t=tests/data/media
mkdir -p "$t" resources/demo
src=(-f lavfi -i "testsrc2=size=160x90:rate=10:duration=2" -f lavfi -i "sine=frequency=440:duration=2:sample_rate=22050")
"${ff[@]}" "${src[@]}" -c:v libx264 -pix_fmt yuv420p -profile:v baseline -c:a aac -b:a 32k -movflags +faststart "$t/h264_aac.mp4"
"${ff[@]}" "${src[@]}" -c:v libx265 -x265-params log-level=error -pix_fmt yuv420p -tag:v hvc1 -c:a aac -b:a 32k -movflags +faststart "$t/hevc_aac.mp4"
"${ff[@]}" "${src[@]}" -c:v libx264 -pix_fmt yuv420p -c:a aac -b:a 32k -f mov "$t/h264_aac.mov"
"${ff[@]}" "${src[@]}" -c:v libx264 -pix_fmt yuv420p -c:a aac -b:a 32k "$t/h264_aac.mkv"
"${ff[@]}" "${src[@]}" -c:v libx264 -pix_fmt yuv420p -c:a aac -b:a 32k -f mpegts "$t/h264_aac.ts"
"${ff[@]}" -f lavfi -i "sine=frequency=440:duration=2:sample_rate=22050" -c:a libmp3lame -b:a 32k "$t/tone.mp3"
"${ff[@]}" -f lavfi -i "sine=frequency=440:duration=2:sample_rate=8000" -ac 1 -c:a pcm_s16le "$t/tone.wav"

font=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
speech=$(mktemp --suffix=.wav)
trap 'rm -f "$speech"' EXIT
espeak-ng -v cmn -s 150 -w "$speech" "这是练习评审会的示例作品。本节目由系统生成，仅供练习使用。"
"${ff[@]}" -f lavfi -i "testsrc2=size=640x360:rate=25:duration=8" -i "$speech" \
  -filter_complex "[0:v]drawtext=fontfile=$font:text='代表作示例 · 练习用':fontsize=36:fontcolor=white:box=1:boxcolor=black@0.5:x=(w-text_w)/2:y=h-60[v];[1:a]apad=whole_dur=8[a]" \
  -map "[v]" -map "[a]" -t 8 -c:v libx264 -pix_fmt yuv420p -crf 30 -preset veryslow -c:a aac -b:a 48k -movflags +faststart resources/demo/video-work.mp4
"${ff[@]}" -i "$speech" -af "apad=whole_dur=6" -t 6 -c:a libmp3lame -b:a 48k resources/demo/audio-work.mp3
