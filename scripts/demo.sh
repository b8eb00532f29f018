#!/usr/bin/env bash
# The main job, offline, on samples/: make a signing identity in a throwaway
# home, generate a signed and watermarked twin of a sample photo with the
# offline demo model (the default when no --model is given), verify it, run a
# ten-generation drift chain with its report, replay a generation, and verify a
# photo without provenance. Run through `make demo` (which sets up .venv).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${DEMO_OUT:-demo-out}
rm -rf "$out"
mkdir -p "$out"
export PROVENANCE_HOME="$out/home"
export HF_HUB_OFFLINE=1

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "provenance keys init --org 'Provenance Demo'   (home: $PROVENANCE_HOME)"
provenance keys init --org "Provenance Demo"

step "provenance twin samples/astronaut.png -o $out/astronaut-twin.png --user demo-user   (no --model: the offline demo model)"
provenance twin samples/astronaut.png -o "$out/astronaut-twin.png" --user demo-user

step "provenance verify $out/astronaut-twin.png"
provenance verify "$out/astronaut-twin.png"

step "provenance twin samples/coffee.png --generations 10 -o $out/chain   (a drift chain with its report)"
provenance twin samples/coffee.png --generations 10 -o "$out/chain" --user demo-user

step "provenance twin --replay $out/chain/gen-02.png   (regenerate from the manifest, compare bit for bit)"
provenance twin --replay "$out/chain/gen-02.png"

step "provenance verify samples/rocket.jpg   (a photo with no provenance: exit 3, not 'fake')"
code=0
provenance verify samples/rocket.jpg || code=$?
if [ "$code" -ne 3 ]; then
    echo "unexpected exit code $code for a photo without provenance" >&2
    exit 1
fi

printf '\nDemo finished. Outputs in %s/: the twin (astronaut-twin.png), the chain with\n' "$out"
printf 'drift.json, drift.png and contact-sheet.png (chain/), the home with keys and registry.\n'
