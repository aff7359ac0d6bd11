# On the device: python3 onnxruntime (CPU) reference for the generated MLP. Args: <workDir>
import json, sys, time
w = sys.argv[1]
try:
    import numpy as np, onnxruntime as ort
except Exception as e:
    print(f"py_ref: unavailable: {e}"); sys.exit(0)
meta = json.load(open(f"{w}/mlp.json"))
x = np.fromfile(f"{w}/mlp_x.bin", dtype=np.float32).reshape(meta["batch"], meta["n"])
t = time.time()
s = ort.InferenceSession(f"{w}/mlp.onnx", providers=["CPUExecutionProvider"])
y = s.run(None, {"x": x})[0].astype(np.float32)
y.tofile(f"{w}/mlp_y_py.bin")
print(f"py_ref: onnxruntime {ort.__version__} ok, y{list(y.shape)} sum={float(y.sum()):.4f} in {time.time()-t:.1f}s")
