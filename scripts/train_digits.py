"""Trains spikeforge's example SNN on scikit-learn's 8×8 handwritten digits and exports it as NIR.

    .venv/bin/python scripts/train_digits.py [OUT_DIR]      (default examples/digits)

numpy, scikit-learn and nir only (no torch): surrogate-gradient training through time of
    input 1×8×8 (rate-coded spikes) → conv 3×3, 12 channels, padding 1 → LIF (β = 7/8, θ = 1,
    hard reset) → OR pooling 2×2 (SumPool2d + Threshold 1) → flatten (192) → linear → 10-class
    integrator (the logits are the running sum of the currents, DESIGN.md §4)
with the loss averaged over every timestep's logits, so the network is confident early (what
DT-SNN's entropy exit rewards). The neuron is the one spikeforge runs: leak v − v/8 (the
shift(3) leak), integrate, fire when v > θ, reset to 0.

Writes, in OUT_DIR:
- `digits.nir`: the trained network (NIR, as snnTorch would export it: dt = 1e-4 s,
  τ = dt/(1 − β), r = τ/dt so the input gain is 1);
- `test.json`: the held-out 20 % (seeded, stratified split: 360 images), intensities 0..255
  (pixel · 16, capped at 255) with their labels and the rate encoding's seeds — the dataset
  `spikeforge evaluate` reads;
- `float.json`: the float network's test accuracy after t = 1..16 timesteps on exactly the
  spikes spikeforge's rate encoder produces for those seeds (the reference for the quantised
  network).

Everything is seeded and single-threaded, so a rerun reproduces the three files byte for byte.
"""
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import nir  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/digits")
SEED = 20261126
CHANNELS = 12
BETA = 7 / 8
THETA = 1.0
T_TRAIN = 8
T_MAX = 16
EPOCHS = 60
BATCH = 64
LR = 2e-3
DT = 1e-4
ENCODING_SEED = 1000  # image i of the test split is encoded with seed ENCODING_SEED + i


# ---- spikeforge's rate encoder (sim/golden/src/encode.rs), vectorised over images -------------
def xorshift_spikes(intensities, seeds, steps):
    """Spikes [steps, N, 64] exactly as spikeforge encodes: xorshift32 per image, t outer,
    pixel inner, spike iff (x >> 24) < intensity."""
    s = np.array([(sd ^ (sd >> 32)) & 0xFFFFFFFF for sd in seeds], dtype=np.uint64)
    x = np.where(s == 0, 0x6D2B79F5, s).astype(np.uint32)
    out = np.zeros((steps, len(seeds), intensities.shape[1]), dtype=np.float64)
    for t in range(steps):
        for i in range(intensities.shape[1]):
            x ^= x << np.uint32(13)
            x ^= x >> np.uint32(17)
            x ^= x << np.uint32(5)
            out[t, :, i] = (x >> np.uint32(24)) < intensities[:, i]
    return out


# ---- the network ---------------------------------------------------------------------------------
# im2col for a 3×3 kernel, padding 1, on 8×8: position p = 8y + x, tap q = 3r + s.
PAD_INDEX = np.array([[(y + r) * 10 + (x + s) for r in range(3) for s in range(3)]
                      for y in range(8) for x in range(8)])
# 2×2 pooling windows: pooled cell (py, px) → its four positions.
WINDOWS = np.array([[(2 * py + dy) * 8 + 2 * px + dx for dy in range(2) for dx in range(2)]
                    for py in range(4) for px in range(4)])


def im2col(x):
    """x [B, 64] → [B, 64 positions, 9 taps] (zero padding)."""
    padded = np.zeros((x.shape[0], 100))
    padded[:, [(y + 1) * 10 + (xx + 1) for y in range(8) for xx in range(8)]] = x
    return padded[:, PAD_INDEX]


def forward(params, spikes, keep=False):
    """Logits after every timestep [T, B, 10]; with `keep`, the state for the backward pass."""
    w1, w2 = params
    steps, batch, _ = spikes.shape
    r = np.zeros((batch, 64, CHANNELS))
    z = np.zeros((batch, 10))
    logits, tape = [], []
    for t in range(steps):
        cols = im2col(spikes[t])
        u = BETA * r + cols @ w1                      # leak, integrate  [B, 64, C]
        s = (u > THETA).astype(np.float64)            # fire
        r = u * (1 - s)                               # hard reset
        win = u[:, WINDOWS, :]                        # [B, 16, 4, C]
        pooled = s[:, WINDOWS, :].max(axis=2)         # OR  [B, 16, C]
        flat = pooled.transpose(0, 2, 1).reshape(batch, -1)   # C, H, W order
        z = z + flat @ w2.T
        logits.append(z)
        if keep:
            tape.append((cols, u, s, win.argmax(axis=2), flat))
    return np.stack(logits), tape


def surrogate(x):
    return 1.0 / (1.0 + (np.pi * x) ** 2)


def loss_and_grads(params, spikes, labels):
    w1, w2 = params
    logits, tape = forward(params, spikes, keep=True)
    steps, batch, _ = logits.shape
    onehot = np.eye(10)[labels]
    loss, dz = 0.0, []
    for t in range(steps):
        p = np.exp(logits[t] - logits[t].max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        loss -= np.log(p[np.arange(batch), labels] + 1e-12).mean() / steps
        dz.append((p - onehot) / (batch * steps))
    dw1, dw2 = np.zeros_like(w1), np.zeros_like(w2)
    g = np.zeros((batch, 10))
    dr = np.zeros((batch, 64, CHANNELS))
    for t in reversed(range(steps)):
        cols, u, s, arg, flat = tape[t]
        g = g + dz[t]                                 # z_t feeds every later logit
        dw2 += g.T @ flat
        dflat = g @ w2                                 # [B, C·16]
        dpool = dflat.reshape(batch, CHANNELS, 16).transpose(0, 2, 1)   # [B, 16, C]
        ds = np.zeros((batch, 64, CHANNELS))
        # The OR's gradient goes to the window's element nearest to firing.
        target = WINDOWS[np.arange(16)[None, :, None], arg]           # [B, 16, C]
        np.add.at(ds, (np.arange(batch)[:, None, None], target, np.arange(CHANNELS)[None, None, :]), dpool)
        du = ds * surrogate(u - THETA) + dr * (1 - s)
        dr = BETA * du
        dw1 += np.einsum("bpq,bpc->qc", cols, du)
    return loss, (dw1, dw2)


def train(x_train, y_train, rng):
    w1 = rng.normal(0, 0.6, size=(9, CHANNELS))
    w2 = rng.normal(0, 0.15, size=(10, 16 * CHANNELS))
    params = [w1, w2]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = 0
    for epoch in range(EPOCHS):
        order = rng.permutation(len(x_train))
        total = 0.0
        for b in range(0, len(order), BATCH):
            idx = order[b:b + BATCH]
            prob = x_train[idx] / 256.0
            spikes = (rng.random((T_TRAIN,) + prob.shape) < prob).astype(np.float64)
            loss, grads = loss_and_grads(params, spikes, y_train[idx])
            total += loss * len(idx)
            step += 1
            for i, gr in enumerate(grads):
                m[i] = 0.9 * m[i] + 0.1 * gr
                v[i] = 0.999 * v[i] + 0.001 * gr * gr
                params[i] -= LR * (m[i] / (1 - 0.9 ** step)) / (np.sqrt(v[i] / (1 - 0.999 ** step)) + 1e-8)
        if epoch % 10 == 9 or epoch == EPOCHS - 1:
            print(f"epoch {epoch + 1}: training loss {total / len(x_train):.4f}", file=sys.stderr)
    return params


def export(params, path):
    w1, w2 = params
    conv_w = w1.T.reshape(CHANNELS, 1, 3, 3)          # [K, C, R, S] from [taps, K]
    tau = DT / (1 - BETA)
    shape = (CHANNELS, 8, 8)
    graph = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([1, 8, 8])),
            "conv1": nir.Conv2d(input_shape=(8, 8), weight=conv_w.astype(np.float32), stride=1, padding=1,
                                dilation=1, groups=1, bias=np.zeros(CHANNELS, dtype=np.float32)),
            "lif1": nir.LIF(tau=np.full(shape, tau), r=np.full(shape, tau / DT), v_leak=np.zeros(shape),
                            v_threshold=np.full(shape, THETA), v_reset=np.zeros(shape)),
            "pool1": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
            "spike1": nir.Threshold(threshold=np.full((CHANNELS, 4, 4), 1.0)),
            "flatten": nir.Flatten(input_type={"input": np.array([CHANNELS, 4, 4])}, start_dim=0, end_dim=-1),
            "readout": nir.Linear(weight=w2.astype(np.float32)),
            "integrator": nir.I(r=np.ones(10)),
            "output": nir.Output(output_type=np.array([10])),
        },
        edges=[("input", "conv1"), ("conv1", "lif1"), ("lif1", "pool1"), ("pool1", "spike1"),
               ("spike1", "flatten"), ("flatten", "readout"), ("readout", "integrator"),
               ("integrator", "output")],
    )
    nir.write(path, graph)


def main():
    start = time.time()
    digits = load_digits()
    intensities = np.minimum(digits.data * 16, 255).astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        intensities, digits.target, test_size=0.2, random_state=SEED % 2**32, stratify=digits.target)
    rng = np.random.default_rng(SEED)
    params = train(x_train.astype(np.float64), y_train, rng)
    # The float network on exactly spikeforge's test spikes.
    seeds = [ENCODING_SEED + i for i in range(len(x_test))]
    spikes = xorshift_spikes(x_test, seeds, T_MAX)
    logits, _ = forward(params, spikes)
    accuracy = [float((logits[t].argmax(axis=1) == y_test).mean()) for t in range(T_MAX)]
    print("float test accuracy, t = 1..16: " + " ".join(f"{a:.3f}" for a in accuracy), file=sys.stderr)

    OUT.mkdir(parents=True, exist_ok=True)
    export(params, OUT / "digits.nir")
    dataset = {
        "name": f"sklearn digits, test split (20 %, stratified, seed {SEED})",
        "shape": [1, 8, 8],
        "encoding": "rate",
        "seeds": seeds,
        "labels": [int(v) for v in y_test],
        "intensities": [[int(v) for v in row] for row in x_test],
    }
    (OUT / "test.json").write_text(json.dumps(dataset, separators=(",", ":")) + "\n")
    (OUT / "float.json").write_text(json.dumps({
        "what": "test accuracy of the float network after t timesteps (argmax of the running sum)",
        "timesteps": list(range(1, T_MAX + 1)),
        "accuracy": [round(a, 6) for a in accuracy],
    }, indent=1) + "\n")
    print(f"wrote {OUT}/digits.nir, test.json, float.json in {time.time() - start:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
