#!/usr/bin/env bash
# Installs the Debian packages a real Qt window needs (and Xvfb for machines without a screen).
# Does nothing when they are already there; needs root or sudo otherwise.
set -u
pkgs=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
      libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3
      xvfb xauth)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
command -v apt-get >/dev/null || { echo "Not a Debian/Ubuntu machine: install the equivalents of: ${missing[*]}"; exit 0; }
SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
echo "Installing Debian packages for the Qt window: ${missing[*]}"
$SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" \
  || echo "Could not install ${missing[*]}; the window may not open."
