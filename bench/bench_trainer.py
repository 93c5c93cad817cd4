"""Benchmark: one epoch of ``train_minibatch`` against a hand-written numpy loop and PyTorch.

Each contender trains the same network from the same initial weights on the same batches
(same shuffling), timed in turn within every repeat (interleaved, the order rotating between
repeats). Printed: the median time of ``--repeats`` (>= 5) per contender, and the ratios as the
median of the **paired** ratios (ours / other within the same repeat, so that a change of the
machine's load between repeats cancels), with their range (min-max over the repeats):

* ``784-256-10`` ReLU, softmax cross-entropy, batch 128, ``--examples`` (default 60 000)
  MNIST-sized synthetic examples, float64 and float32 (float32 data, float32 model);
* ``2-64-64-1`` tanh, sigmoid output, MSE, batch 128, 2 000 points in the plane, float64
  (timed over 20 epochs: one epoch is 16 batches, a few milliseconds).

The hand-written loop is what a learner writes once the chapter is done: the forward pass with
cached activations, the loss and its gradient, ``dW = dz @ a.T``, ``db = dz.sum(1)``,
``da = W.T @ dz`` (not for the first layer), and ``W -= lr * dW`` (one-hot targets made once).
It takes each batch as ``X[:, idx]``, as one writes it; the reference trainer gathers the batch
with ``np.take(X, idx, axis=1)`` (the same values, about 2/3 of the time for float64 data of
60 000 columns), so the loop is also timed gathering that way (column "loop, take"), to show
what of the difference is the gather.
PyTorch is ``nn.Sequential`` with ``torch.optim.SGD`` on CPU. BLAS and PyTorch use one thread
each (set before numpy is imported); without PyTorch its column is skipped with a line saying so.

Run:  python bench/bench_trainer.py [--repeats 5] [--examples 60000]
"""
from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from environment import start  # noqa: E402

from course.reference.losses import mse_loss, softmax_cross_entropy  # noqa: E402
from course.reference.mlp import MLP  # noqa: E402
from course.reference.training import train_minibatch  # noqa: E402

BATCH, LR = 128, 0.05


def problems(examples: int):
    rng = np.random.default_rng(0)
    X = rng.uniform(0.0, 1.0, size=(784, examples))
    y = rng.integers(0, 10, size=examples)
    P = rng.uniform(-1.0, 1.0, size=(2, 2000))
    Y = (P[1] > 0.5 * np.sin(3.0 * P[0])).astype(np.float64).reshape(1, -1)
    return [("784-256-10 relu", [784, 256, 10], "relu", None, X, y, softmax_cross_entropy, np.float64),
            ("784-256-10 relu", [784, 256, 10], "relu", None, X.astype(np.float32), y, softmax_cross_entropy,
             np.float32),
            ("2-64-64-1 tanh", [2, 64, 64, 1], "tanh", "sigmoid", P, Y, mse_loss, np.float64)]


#: epochs per timing (the figure is per epoch): one pass of 60 000 examples, or 20 of the small set
EPOCHS = {"784-256-10 relu": 1, "2-64-64-1 tanh": 20}


def ours(sizes, act, out_act, X, Y, loss, dtype, epochs=1):
    net = MLP(sizes, activation=act, output_activation=out_act, rng=np.random.default_rng(0), dtype=dtype)
    start = time.perf_counter()
    train_minibatch(net, X, Y, loss=loss, lr=LR, epochs=epochs, batch_size=BATCH, rng=np.random.default_rng(1))
    return (time.perf_counter() - start) / epochs, net


def handwritten(sizes, act, out_act, X, Y, loss, dtype, epochs=1, take=False):
    net = MLP(sizes, activation=act, output_activation=out_act, rng=np.random.default_rng(0), dtype=dtype)
    Ws = [layer.W.copy() for layer in net.layers[::2]]
    bs = [layer.b.copy() for layer in net.layers[::2]]
    start = time.perf_counter()
    T = X.shape[1]
    if loss is softmax_cross_entropy:
        onehot = np.zeros((sizes[-1], T), dtype=dtype)
        onehot[Y, np.arange(T)] = 1
        Y = onehot
    rng = np.random.default_rng(1)
    for _ in range(epochs):
        _epoch(Ws, bs, X, Y, rng.permutation(T), act, out_act, loss, take)
    return (time.perf_counter() - start) / epochs, (Ws, bs)


def _epoch(Ws, bs, X, Y, idx_all, act, out_act, loss, take=False):
    total = 0.0
    for s in range(0, X.shape[1], BATCH):
        idx = idx_all[s:s + BATCH]
        if take:
            xb, yb = np.take(X, idx, axis=1), np.take(Y, idx, axis=1)
        else:
            xb, yb = X[:, idx], Y[:, idx]
        acts, zs = loop_forward(Ws, bs, xb, act, out_act)
        C, dz = loop_loss(acts[-1], yb, loss)
        total += C
        loop_backward_update(Ws, bs, acts, zs, dz, act)
    return total


def loop_forward(Ws, bs, a, act, out_act):
    """The hand-written forward pass of one batch: ``(activations a^0..a^L, pre-activations z^1..z^L)``."""
    L = len(Ws)
    acts, zs = [a], []
    for l in range(L):
        z = Ws[l] @ a + bs[l]
        zs.append(z)
        if l < L - 1:
            a = np.maximum(z, 0) if act == "relu" else np.tanh(z)
        else:
            a = 1 / (1 + np.exp(-z)) if out_act == "sigmoid" else z
        acts.append(a)
    return acts, zs


def loop_loss(a, y, loss):
    """The batch's summed loss and ``dz`` of the last layer (``y`` one-hot for cross-entropy)."""
    m = a.shape[1]
    if loss is softmax_cross_entropy:
        e = np.exp(a - a.max(axis=0, keepdims=True))
        p = e / e.sum(axis=0, keepdims=True)
        return -float(np.sum(y * np.log(p))) / m * m, (p - y) / m
    diff = a - y
    return 0.5 * float(np.sum(diff**2)), diff / m * (a * (1 - a))


def loop_backward_update(Ws, bs, acts, zs, dz, act):
    """The hand-written backward pass, each layer's ``W -= lr dW`` and ``b -= lr db`` as soon as it has them."""
    for l in reversed(range(len(Ws))):
        dW = dz @ acts[l].T
        db = dz.sum(axis=1, keepdims=True)
        if l > 0:
            da = Ws[l].T @ dz
            dz = da * (zs[l - 1] > 0) if act == "relu" else da * (1 - acts[l] ** 2)
        Ws[l] -= LR * dW
        bs[l] -= LR * db


def pytorch(torch, sizes, act, out_act, X, Y, loss, dtype, epochs=1):
    net = MLP(sizes, activation=act, output_activation=out_act, rng=np.random.default_rng(0), dtype=dtype)
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    layers = []
    for i, lin in enumerate(net.layers[::2]):
        t = torch.nn.Linear(lin.n_in, lin.n_out, dtype=tdtype)
        with torch.no_grad():
            t.weight.copy_(torch.from_numpy(lin.W))
            t.bias.copy_(torch.from_numpy(lin.b.ravel()))
        layers.append(t)
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU() if act == "relu" else torch.nn.Tanh())
    if out_act == "sigmoid":
        layers.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    Xt = torch.from_numpy(np.ascontiguousarray(X.T))
    Yt = torch.from_numpy(Y if loss is softmax_cross_entropy else np.ascontiguousarray(Y.T).astype(dtype))
    start = time.perf_counter()
    rng = np.random.default_rng(1)
    for _ in range(epochs):
        idx_all = torch.from_numpy(rng.permutation(X.shape[1]))
        for s in range(0, X.shape[1], BATCH):
            idx = idx_all[s:s + BATCH]
            opt.zero_grad()
            out = model(Xt[idx])
            if loss is softmax_cross_entropy:
                lv = torch.nn.functional.cross_entropy(out, Yt[idx])
            else:
                lv = 0.5 * ((out - Yt[idx]) ** 2).sum() / len(idx)
            lv.backward()
            opt.step()
    return (time.perf_counter() - start) / epochs, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repeats, median printed (>= 5)")
    parser.add_argument("--examples", type=int, default=60_000, help="examples of the 784-256-10 problem")
    args, torch = start(parser)
    print(f"seconds per epoch (runs of 1 epoch of T = {args.examples}, of 20 epochs of the 2 000 points), batch "
          f"{BATCH}, lr {LR}; median of {max(args.repeats, 5)} interleaved repeats; ratio = median over the "
          "repeats of ours / other in the same repeat [min-max]")
    print(f"{'problem':<17} {'dtype':<8} {'T':>6} | {'ours':>8} | {'numpy loop':>10} {'ours/loop [min-max]':>21} | "
          f"{'loop, take':>10} {'ours/it [min-max]':>19} | {'torch':>8} {'ours/torch [min-max]':>21}")
    for name, sizes, act, out_act, X, Y, loss, dtype in problems(args.examples):
        contenders = {"ours": ours, "loop": handwritten,
                      "take": lambda *a: handwritten(*a, take=True)}
        if torch is not None:
            contenders["torch"] = lambda *a, torch=torch: pytorch(torch, *a)
        times = {k: [] for k in contenders}
        keys = list(contenders)
        for r in range(max(args.repeats, 5)):
            for key in keys[r % len(keys):] + keys[:r % len(keys)]:  # each contender leads in turn
                times[key].append(contenders[key](sizes, act, out_act, X, Y, loss, dtype, EPOCHS[name])[0])
        med = {k: statistics.median(v) for k, v in times.items()}
        t_torch = (f"{med['torch']:>8.3f} {_paired(times, 'torch'):>21}" if "torch" in med
                   else f"{'-':>8} {'(no torch)':>21}")
        print(f"{name:<17} {np.dtype(dtype).name:<8} {X.shape[1]:>6} | {med['ours']:>8.3f} | {med['loop']:>10.3f} "
              f"{_paired(times, 'loop'):>21} | {med['take']:>10.3f} {_paired(times, 'take'):>19} | {t_torch}",
              flush=True)


def _paired(times: dict[str, list[float]], other: str) -> str:
    """The median of ours / other over the repeats (each ratio from one repeat), and its range."""
    ratios = [a / b for a, b in zip(times["ours"], times[other])]
    return f"{statistics.median(ratios):.3f} [{min(ratios):.2f}-{max(ratios):.2f}]"


if __name__ == "__main__":
    main()
