#!/usr/bin/env bash
# Launches the app: on the user's screen when there is one, else on a virtual screen (Xvfb).
set -u
py=$1; shift
bash "$(dirname "$0")/sysdeps.sh"
if [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]; then
  exec "$py" "$@"
fi
echo "No screen found (DISPLAY is not set): starting the app on a virtual screen (Xvfb)."
echo "To get a picture of it instead: $py main.py --screenshot window.png"
# The virtual screen runs in a session of its own (setsid), so that Ctrl-C in this terminal
# reaches the app alone: the app saves its work to the recovery file and closes ("Stopped by
# SIGINT"), and only then is the screen taken down. (With xvfb-run, Ctrl-C also killed Xvfb,
# the app lost its display mid-frame and Qt aborted.)
num=99
while [[ -e /tmp/.X$num-lock || -e /tmp/.X11-unix/X$num ]]; do num=$((num + 1)); done
setsid Xvfb ":$num" -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 < /dev/null &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null; wait "$xvfb" 2>/dev/null' EXIT
for _ in $(seq 100); do [[ -e /tmp/.X11-unix/X$num ]] && break; sleep 0.1; done
trap 'interrupted=1' INT TERM HUP
env DISPLAY=":$num" QT_QPA_PLATFORM=xcb "$py" "$@"
status=$?
[[ -n ${interrupted:-} && $status -ge 128 ]] && exit 0
exit "$status"
