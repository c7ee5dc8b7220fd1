#!/bin/sh
# Loads a report in headless Chromium and fails on any console message
# (errors, uncaught exceptions). A copy with a deliberate JS error must be
# caught, so the check itself is known to work. Exit 77 (skip) without chromium.
set -eu
halab="$1"
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then echo "SKIP: $chromium not found"; exit 77; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

# Prints the console lines Chromium logged for file $1; non-empty means errors.
console_of() {
  profile=$(mktemp -d "$dir/profile.XXXXXX")
  timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --enable-logging=stderr --v=0 --dump-dom "file://$1" > "$1.dom" 2> "$1.log" || true
  grep -q '</html>' "$1.dom" || { echo "chromium did not render $1"; cat "$1.log"; exit 1; }
  grep -E ':CONSOLE\(|:CONSOLE:|Uncaught' "$1.log" || true
}

"$halab" campaign faults --seeds 2 --out c --quiet > /dev/null
"$halab" report c/results.jsonl -o rep > /dev/null
errors=$(console_of "$dir/rep/index.html")
if [ -n "$errors" ]; then echo "console errors in the report:"; echo "$errors"; exit 1; fi

# A report with failovers and transition graphs (inline SVG from Graphviz) renders cleanly too.
"$halab" campaign chaos3 --seeds 2 --out c3 --quiet > /dev/null
"$halab" report c3/results.jsonl -o rep3 > /dev/null
grep -q 'id="phases"' rep3/index.html
grep -q '<figure class="graph"><svg' rep3/index.html
errors=$(console_of "$dir/rep3/index.html")
if [ -n "$errors" ]; then echo "console errors in the failover report:"; echo "$errors"; exit 1; fi

sed 's#</body>#<script>deliberatelyUndefined();</script></body>#' rep/index.html > broken.html
errors=$(console_of "$dir/broken.html")
if [ -z "$errors" ]; then echo "the check missed a deliberate JS error"; exit 1; fi
echo ok
