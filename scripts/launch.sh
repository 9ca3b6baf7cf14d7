#!/usr/bin/env bash
# Launches the app: on the user's screen when there is one, else on a virtual screen (Xvfb).
set -u
py=$1; shift
bash "$(dirname "$0")/sysdeps.sh"
if [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]; then
  exec "$py" "$@"
fi
echo "No screen found (DISPLAY is not set): starting the app on a virtual screen with xvfb-run."
echo "To get a picture of it instead: $py main.py --screenshot window.png"
exec env QT_QPA_PLATFORM=xcb xvfb-run -a "$py" "$@"
