#!/bin/sh
# Regenerates resources/demo/demo.ts, the clip the demo engine loops forever.
# 8 s is a whole number of both video frames (25 fps, 3600 ticks) and AAC frames
# (1024 samples at 48 kHz, 1920 ticks), so the loop boundary is clean. The AAC
# encoder prepends one priming frame, so the tone is one frame (1024 samples)
# short of 8 s: audio then spans exactly 375 frames = 8 s, like the video, and
# the demo engine can shift every timestamp by 8 s per loop with no overlap.
# B-frames are off (PTS == DTS) and a keyframe opens every second, so a player
# joining anywhere, or crossing a loop, decodes within a second. -muxrate makes
# the file constant-bitrate: pacing it evenly in bytes is then exactly real time.
set -eu
cd "$(dirname "$0")"
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=320x180:rate=25:duration=8" \
  -f lavfi -i "sine=frequency=440:beep_factor=4:sample_rate=48000:duration=8" \
  -vf "drawtext=fontfile=$FONT:text='AceTray demo':fontsize=22:fontcolor=white:box=1:boxcolor=black@0.6:x=(w-tw)/2:y=12,drawtext=fontfile=$FONT:text='%{pts\:hms}':fontsize=18:fontcolor=yellow:box=1:boxcolor=black@0.6:x=(w-tw)/2:y=h-th-12" \
  -af "atrim=end_sample=382976" \
  -c:v libx264 -preset veryfast -profile:v main -bf 0 -g 25 -keyint_min 25 -sc_threshold 0 \
  -b:v 300k -maxrate 300k -bufsize 300k -pix_fmt yuv420p \
  -c:a aac -b:a 64k -ac 1 \
  -f mpegts -muxrate 480k -pat_period 0.1 -sdt_period 1 -mpegts_flags +resend_headers \
  -metadata service_name="AceTray demo" -metadata service_provider="AceTray" \
  demo.ts
