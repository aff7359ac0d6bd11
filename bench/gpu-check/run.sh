#!/bin/bash
# One-shot "Ferry WebGPU on a real GPU" check under Deno. Needs only this folder, python3 and coreutils.
# Usage: bash .gpucheck/run.sh   (report: stdout, and $OUT/report.json when OUT is set)
set -u
G=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
W=${GPUCHECK_WORK:-$(mktemp -d /tmp/gpucheck.XXXXXX)}; mkdir -p "$W"
PY=${GPUCHECK_PYTHON:-python3}
export HOME=${HOME:-/root} DENO_DIR=$W/deno_dir DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1 NO_COLOR=1
T0=$(date +%s)
BUDGET=${GPUCHECK_BUDGET:-210}   # whole-script deadline (s); every step's timeout is capped so the report still gets written
log() { echo "[$(date +%T) +$(( $(date +%s) - T0 ))s] $*"; }
cap() { local l=$(( BUDGET - ($(date +%s) - T0) - 8 )); [ $l -lt 1 ] && l=1; [ $1 -lt $l ] && echo $1 || echo $l; }

log "== environment (work dir $W)"
{
  echo "--- nvidia-smi -L"; timeout 15 nvidia-smi -L 2>&1
  echo "--- ldconfig -p | grep -i -E 'vulkan|GLX_nvidia|EGL_nvidia|libEGL.so|nvidia-glcore'"
  ldconfig -p 2>&1 | grep -i -E 'vulkan|GLX_nvidia|EGL_nvidia|libEGL\.so|nvidia-glcore' | head -20
  echo "--- ls /usr/local/nvidia/share/vulkan/icd.d/ /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/"
  ls /usr/local/nvidia/share/vulkan/icd.d/ /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ 2>&1
  for f in /usr/local/nvidia/share/vulkan/icd.d/*.json /usr/share/vulkan/icd.d/nvidia*.json; do
    [ -f "$f" ] && echo "--- $f: $(tr -d ' \n' < "$f" | head -c 300)"; done
} > "$W/env.txt" 2>&1
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
EGLV=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f $ICD ] && export VK_DRIVER_FILES=$ICD
[ -f $EGLV ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$EGLV
# the ICD names libGLX_nvidia.so.0 without a path: make sure the loader can find it
if ! ldconfig -p 2>/dev/null | grep -q libGLX_nvidia; then
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
    [ -e $d/libGLX_nvidia.so.0 ] && export LD_LIBRARY_PATH=$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} && echo "--- libGLX_nvidia not in ld cache; LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >> "$W/env.txt"
  done
fi
echo "--- VK_DRIVER_FILES=${VK_DRIVER_FILES:-(unset)} __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-(unset)}" >> "$W/env.txt"
cat "$W/env.txt"

log "== unpack deno + payload (python3 lzma/tarfile)"
timeout -k 5 $(cap 60) "$PY" - "$G" "$W" <<'PYEOF' || { log "unpack FAILED"; }
import lzma, os, shutil, sys, tarfile
g, w = sys.argv[1], sys.argv[2]
with lzma.open(f"{g}/deno.xz") as src, open(f"{w}/deno", "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 22)
os.chmod(f"{w}/deno", 0o755)
with tarfile.open(f"{g}/payload.tar.xz", "r:xz") as t:
    t.extractall(w)
print("unpacked:", os.path.getsize(f"{w}/deno"), "bytes deno;", sorted(os.listdir(f"{w}/p")))
PYEOF
D=$W/deno; P=$W/p
timeout 20 "$D" --version 2>&1 | head -1

log "== Deno WebGPU adapter probes"
for b in default vulkan gl; do
  if [ $b = default ]; then timeout -k 5 $(cap 20) "$D" run -A "$P/probe.mjs"; else DENO_WEBGPU_BACKEND=$b timeout -k 5 $(cap 20) "$D" run -A "$P/probe.mjs"; fi \
    > "$W/probe.$b.json" 2> "$W/probe.$b.err" || echo "{\"backendEnv\":\"$b\",\"error\":\"exit $? $(tail -c 300 "$W/probe.$b.err" | tr -d '\"\n\\')\"}" > "$W/probe.$b.json"
  echo "probe $b: $(tail -1 "$W/probe.$b.json")"
done

log "== registry (real Ferry registry app on Deno.serve, fs store), seeding"
mkdir -p "$W/store"
timeout -k 5 $(cap 400) "$D" run -A "$P/registry.mjs" "$W/store" "$P/models" "$W" 2> "$W/registry.log" &
REG=$!
for i in $(seq 90); do [ -f "$W/registry.url" ] && break; kill -0 $REG 2>/dev/null || break; sleep 0.5; done
cat "$W/registry.log"
if [ -f "$W/registry.url" ]; then
  log "== python3 onnxruntime reference for the MLP"
  timeout -k 5 $(cap 40) "$PY" "$P/py_ref.py" "$W" 2>&1 | tail -2 | tee "$W/py_ref.txt"
  log "== Ferry runtime on Deno (in-thread): load, compare, time"
  (cd "$P" && timeout -k 5 $(cap 170) "$D" run -A --node-modules-dir=manual check.mjs "$(cat "$W/registry.url")" "$W" "$P/refs.json") 2>&1 \
    | grep -v -E 'VerifyEachNodeIsAssignedToAnEp' | tee "$W/check.log" | cut -c1-600
  echo "check exit: ${PIPESTATUS[0]}"
else
  log "registry did not come up"
fi
kill $REG 2>/dev/null; wait $REG 2>/dev/null

log "== report"
"$PY" - "$W" "${OUT:-}" <<'PYEOF'
import json, os, sys
w, out = sys.argv[1], sys.argv[2]
rd = lambda p, d=None: open(p).read() if os.path.exists(p) else d
def js(p):
    try: return json.loads(rd(p, 'null'))
    except Exception as e: return {"parseError": str(e)}
rep = {"env": rd(f"{w}/env.txt", ""), "probes": {b: js(f"{w}/probe.{b}.json") for b in ("default", "vulkan", "gl")},
       "registryLog": rd(f"{w}/registry.log", "")[-3000:], "pyRef": rd(f"{w}/py_ref.txt", ""), "check": js(f"{w}/check.json")}
if out:
    os.makedirs(out, exist_ok=True); json.dump(rep, open(f"{out}/report.json", "w"), indent=1)
c = rep["check"] or {}
st = c.get("steps", {})
print("SUMMARY")
for b, p in rep["probes"].items():
    a = (p or {}).get("adapter")
    print(f"  probe[{b}]: " + (f"{a.get('description')!r} vendor={a.get('vendor')} arch={a.get('architecture')!r} fallbackAdapter={a.get('isFallbackAdapter')}" if a else f"no adapter {(p or {}).get('error', '')}"))
for k in ("gpu.adapter.default", "gpu.adapter.highPerf"):
    s = st.get(k, {}); a = s.get("adapter")
    print(f"  {k}: " + (f"{a.get('description')!r} vendor={a.get('vendor')} fallbackAdapter={a.get('isFallbackAdapter')} maxBuf={a.get('maxBufferSize')} device={s.get('device')}" if a else json.dumps(s)[:200]))
for k, s in st.items():
    if k.split(".")[0] in ("gpu", "wasm") and not k.startswith("gpu.adapter"):
        if not s.get("ok"): print(f"  {k}: FAIL {s.get('error') or s.get('skipped')}"); continue
        d = s.get("diff") or {}
        worst = max([v.get("maxAbs", float("inf")) for v in d.values()] or [0])
        print(f"  {k}: backend={s['backend']} fallback={json.dumps(s.get('fallback'))} load={s['loadMs']}ms run1={s['firstRunMs']}ms"
              + (f" maxAbsDiff={worst:.2e} match={s.get('match')}" if d else f" checksum={s.get('checksum')}"))
m = st.get("mlp.compare", {})
for k in ("defaultVsFerryWasm", "defaultVsPythonOrt", "ferryWasmVsPythonOrt"):
    if k in m: print(f"  mlp {k}: maxAbs={m[k].get('maxAbs')} maxRel={m[k].get('maxRel')}")
for k in ("timing.mlp", "timing.ocr-det"):
    t = st.get(k, {})
    g, wa = t.get("gpu"), t.get("wasm")
    f = lambda x: f"{x['backend']} p50={x['p50']}ms (n={x['runs']})" if isinstance(x, dict) else str(x)
    print(f"  {k}: default: {f(g)} | wasm: {f(wa)} | wasm/default p50 = {t.get('wasmOverDefaultP50')}" if t.get("ok") else f"  {k}: FAIL {t.get('error') or 'not reached (deadline)'}")
for k in ("fallback.session-failed", "fallback.device-lost"):
    f = st.get(k, {})
    print(f"  {k}: before {json.dumps(f.get('before'))} after {json.dumps(f.get('after'))} runs maxAbs {f.get('runsMaxAbs')} match={f.get('match')}" if f.get("ok") else f"  {k}: FAIL {f.get('error') or 'not reached'}")
a = (st.get("gpu.adapter.highPerf") or {}).get("adapter") or {}
real = bool(a) and not a.get("isFallbackAdapter") and not any(x in str(a.get("description", "")).lower() for x in ("llvmpipe", "swiftshader", "lavapipe", "software"))
gpu_steps = {k: v for k, v in st.items() if k.startswith("gpu.") and not k.startswith("gpu.adapter")}
on_gpu = [k for k, v in gpu_steps.items() if v.get("backend") == "webgpu"]
ok = all(v.get("match", True) for v in gpu_steps.values() if v.get("ok")) and all(v.get("ok") for v in gpu_steps.values())
mm = m.get("defaultVsPythonOrt") or m.get("defaultVsFerryWasm") or {}
mlp_ok = mm.get("maxRel") is not None and mm["maxRel"] <= 2e-3
print(f"VERDICT: adapter={a.get('description')!r} real_gpu={real} | models on webgpu: {len(on_gpu)}/{len(gpu_steps)} | small models match refs: {ok} | mlp webgpu~ref (maxRel<=2e-3): {mlp_ok}")
if c.get("unhandled"): print("  unhandled:", c["unhandled"][:3])
print(f"  check total {c.get('totalMs')} ms; report.json -> {out or '(OUT unset)'}")
PYEOF
log "done"
