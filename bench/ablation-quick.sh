#!/usr/bin/env bash
# npm run bench:ablation: the CI-sized synthetic setting of `bcu demo --quick` (small CNN, BadNets
# 3x3 -> 0 planted with 3,000 labeled images; cleanse on 1,000 held-out unlabeled images, 6 epochs,
# batch 32), cleansed once per variant of the method. Prints one row per variant.
set -euo pipefail
cd "$(dirname "$0")/.."
Q=${1:-$(mktemp -d)/quick}
[ -f "$Q/attacked/model.json" ] || node bin/bcu.js demo --quick --out "$Q" >/dev/null
run() {
  local name=$1; shift
  local line
  line=$(node bin/bcu.js cleanse --model "$Q/attacked/model.json" --data "$Q/data/train-images-idx3-ubyte" --limit 1000 \
    --out "$Q/variant-$name" --force --eval-data "$Q/data/t10k-images-idx3-ubyte" --trigger "$Q/badnets.json" \
    --epochs 6 --batch 32 --json "$@" | tail -1)
  node -e 'const r=JSON.parse(process.argv[1]);const p=(x)=>(100*x).toFixed(2)+" %";console.log(`| ${process.argv[2]} | ${p(r.before.acc)} | ${p(r.before.asr)} | ${p(r.after.acc)} | ${p(r.after.asr)} | ${p(r.after.ra)} |`)' "$line" "$name $*"
}
echo "| variant | ACC before | ASR before | ACC after | ASR after | RA after |"
echo "|---|---|---|---|---|---|"
run reference-ratios --ratio-deepest 0.27
run patch-aug --ratio-deepest 0.27 --patch-aug 0.5
run lipschitz --ratio-deepest 0.27 --lipschitz-reinit 3
run deepest-0.6 --ratio-deepest 0.6
run deepest-0.6-factor-1.5 --ratio-deepest 0.6 --ratio-factor 1.5
run deepest-0.6-patch --ratio-deepest 0.6 --patch-aug 0.5
run default
echo "reproduce: npm run bench:ablation -- $Q"
