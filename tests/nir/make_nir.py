"""Writes the NIR files of spikeforge's importer tests (tests/nir_import.rs) with the `nir`
package, NIR's reference implementation: one file per supported construct and one per error.
For each supported one it also writes `<name>.expected.json`: the integer weights, thresholds,
leaks and logit fractional bits that DESIGN.md §7's rule gives at 4-bit weights and 8-bit
membranes, computed here with numpy, independently of the Rust importer.

Usage: python make_nir.py OUT_DIR
"""
import json
import sys
from pathlib import Path

import nir
import numpy as np

OUT = Path(sys.argv[1])
OUT.mkdir(parents=True, exist_ok=True)
DT = 1e-4  # snnTorch's export step; the importer's default --dt


def lif(shape, beta=0.875, thr=1.0, **over):
    """A LIF as snnTorch exports it: tau = dt / (1 - beta), r = tau / dt (unit input gain)."""
    tau = DT / (1 - beta)
    p = dict(
        tau=np.full(shape, tau),
        r=np.full(shape, tau / DT),
        v_leak=np.zeros(shape),
        v_threshold=np.full(shape, thr),
        v_reset=np.zeros(shape),
    )
    p.update(over)
    return nir.LIF(**p)


def conv(k, c, r=3, pad=1, hw=(8, 8), seed=1, **over):
    w = np.random.default_rng(seed).uniform(-1, 1, size=(k, c, r, r)).astype(np.float32)
    p = dict(input_shape=hw, weight=w, stride=1, padding=pad, dilation=1, groups=1, bias=np.zeros(k))
    p.update(over)
    return nir.Conv2d(**p)


def dense(k, c, seed=2, bias=None):
    w = np.random.default_rng(seed).uniform(-1, 1, size=(k, c))
    return nir.Affine(weight=w, bias=np.zeros(k) if bias is None else bias)


WEIGHT_BITS, MEMBRANE_BITS = 4, 8


def round_away(x):
    """Rounding with halves away from zero (the importer's rule; numpy's round is to even)."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def expected(nodes):
    """DESIGN.md §7 applied to a supported graph (nodes in path order)."""
    names = list(nodes)
    layers, classifier = [], None
    for i, name in enumerate(names):
        node = nodes[name]
        if not isinstance(node, (nir.Conv2d, nir.Linear, nir.Affine)):
            continue
        neuron = nodes[names[i + 1]]
        w = np.asarray(node.weight, dtype=np.float64)
        if isinstance(neuron, (nir.LIF, nir.IF)):
            if isinstance(neuron, nir.LIF):
                decay = DT / float(np.ravel(neuron.tau)[0])
                gain = decay * float(np.ravel(neuron.r)[0])
                k = max(1, int(round_away(-np.log2(decay))))
                leak = f"shift({k})" if k < MEMBRANE_BITS else "none"
            else:
                gain, leak = DT * float(np.ravel(neuron.r)[0]), "none"
            w = w * gain
            s = (2 ** (WEIGHT_BITS - 1) - 1) / np.max(np.abs(w))
            layers.append(dict(
                name=name,
                weights=[int(v) for v in round_away(w * s).ravel()],
                threshold=int(round_away(float(np.ravel(neuron.v_threshold)[0]) * s)),
                leak=leak,
            ))
        else:
            s = (2 ** (WEIGHT_BITS - 1) - 1) / np.max(np.abs(w))
            classifier = dict(
                weights=[int(v) for v in round_away(w * s).ravel()],
                logit_frac_bits=int(min(16, max(0, round_away(np.log2(s))))),
            )
    return dict(layers=layers, classifier=classifier)


def write(name, nodes, edges=None):
    """Writes one graph; the supported ones pass the `nir` package's type check, the error
    cases (some deliberately inconsistent) skip it."""
    names = list(nodes)
    if edges is None:
        edges = list(zip(names, names[1:]))
    graph = nir.NIRGraph(nodes=nodes, edges=edges, type_check=not name.startswith("err_"))
    nir.write(OUT / f"{name}.nir", graph)
    if not name.startswith("err_"):
        (OUT / f"{name}.expected.json").write_text(json.dumps(expected(nodes)))


def conv_net(**over):
    """Input 1×8×8 → conv 2@3×3 → LIF → SumPool 2 → Threshold → Flatten → Affine 32→6 → IF
    → Linear 6→3 → LI → Output (the default; `over` replaces nodes by name)."""
    nodes = {
        "input": nir.Input(input_type=np.array([1, 8, 8])),
        "conv1": conv(2, 1),
        "lif1": lif((2, 8, 8)),
        "pool1": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
        "spike1": nir.Threshold(threshold=np.full((2, 4, 4), 1.0)),
        "flat": nir.Flatten(input_type={"input": np.array([2, 4, 4])}, start_dim=0, end_dim=-1),
        "fc1": dense(6, 32),
        "if1": nir.IF(r=np.full(6, 1e4), v_threshold=np.full(6, 0.5)),
        "readout": nir.Linear(weight=np.random.default_rng(3).uniform(-1, 1, size=(3, 6))),
        "li": nir.LI(tau=np.full(3, 1e-3), r=np.ones(3), v_leak=np.zeros(3)),
        "output": nir.Output(output_type=np.array([3])),
    }
    for k, v in over.items():
        if v is None:
            del nodes[k]
        else:
            nodes[k] = v
    return nodes


# Supported constructs.
write("conv_pool", conv_net())
write("avgpool", conv_net(pool1=nir.AvgPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
                         spike1=nir.Threshold(threshold=np.full((2, 4, 4), 0.25))))
write("linear_integrator", {
    "input": nir.Input(input_type=np.array([16])),
    "fc1": dense(8, 16),
    "lif1": lif(8, beta=0.5, thr=0.75),
    "fc2": dense(4, 8, seed=5),
    "integrator": nir.I(r=np.ones(4)),
    "output": nir.Output(output_type=np.array([4])),
})
write("direct_output", {
    "input": nir.Input(input_type=np.array([16])),
    "fc1": nir.Linear(weight=np.random.default_rng(7).uniform(-1, 1, size=(8, 16))),
    "lif1": lif(8),
    "fc2": nir.Linear(weight=np.random.default_rng(8).uniform(-1, 1, size=(2, 8))),
    "output": nir.Output(output_type=np.array([2])),
})

# Errors: each names the node and the parameter.
write("err_cubalif", conv_net(lif1=nir.CubaLIF(
    tau_syn=np.full((2, 8, 8), 1e-3), tau_mem=np.full((2, 8, 8), 1e-3), r=np.ones((2, 8, 8)),
    v_leak=np.zeros((2, 8, 8)), v_threshold=np.ones((2, 8, 8)))))
write("err_bias", conv_net(fc1=dense(6, 32, bias=np.full(6, 0.1))))
write("err_v_leak", conv_net(lif1=lif((2, 8, 8), v_leak=np.full((2, 8, 8), 0.2))))
write("err_v_reset", conv_net(lif1=lif((2, 8, 8), v_reset=np.full((2, 8, 8), -0.5))))
write("err_tau_varies", conv_net(lif1=lif((2, 8, 8), tau=np.linspace(1e-3, 2e-3, 128).reshape(2, 8, 8))))
write("err_dilation", conv_net(conv1=conv(2, 1, dilation=2)))
write("err_groups", conv_net(conv1=conv(2, 2, groups=2)))
write("err_pool_no_threshold", conv_net(spike1=None))
write("err_pool_threshold", conv_net(spike1=nir.Threshold(threshold=np.full((2, 4, 4), 2.0))))
nodes = conv_net()
nodes = {**{k: nodes[k] for k in list(nodes)[:6]}, "scale": nir.Scale(scale=np.full(32, 2.0)),
         **{k: nodes[k] for k in list(nodes)[6:]}}
write("err_unsupported", nodes)
nodes = conv_net()
write("err_recurrent", nodes, edges=list(zip(list(nodes), list(nodes)[1:])) + [("if1", "fc1")])
nodes = conv_net()
nodes["side"] = nir.Flatten(input_type={"input": np.array([2, 4, 4])}, start_dim=0, end_dim=-1)
write("err_branch", nodes, edges=list(zip(list(conv_net()), list(conv_net())[1:])) + [("spike1", "side")])
write("err_conv_readout", {
    "input": nir.Input(input_type=np.array([1, 8, 8])),
    "conv1": conv(2, 1),
    "li": nir.LI(tau=np.full((2, 8, 8), 1e-3), r=np.ones((2, 8, 8)), v_leak=np.zeros((2, 8, 8))),
    "output": nir.Output(output_type=np.array([2, 8, 8])),
})
# A NaN weight (training diverged) and an infinite threshold.
nan_w = dense(6, 32)
nan_w.weight[2, 5] = np.nan
write("err_nan_weight", conv_net(fc1=nan_w))
write("err_inf_threshold", conv_net(if1=nir.IF(r=np.full(6, 1e4), v_threshold=np.full(6, np.inf))))
# A threshold 1000× the largest weight: beyond an 8-bit membrane once scaled.
write("err_threshold_range", conv_net(lif1=lif((2, 8, 8), thr=1000.0)))
