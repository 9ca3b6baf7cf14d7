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
# Not exec: Ctrl-C in this terminal reaches xvfb-run as well as the app, and xvfb-run then dies
# of it after the app has saved its work and closed cleanly (the app says "Stopped by SIGINT"),
# which make would report as "Interrupt". The app's own exit status is what counts.
trap 'interrupted=1' INT TERM HUP
env QT_QPA_PLATFORM=xcb xvfb-run -a "$py" "$@"
status=$?
[[ -n ${interrupted:-} && $status -ge 128 ]] && exit 0
exit "$status"
