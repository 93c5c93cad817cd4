"""The grading sandbox: run untrusted learner code, bring back only plain data.

>>> from graders.sandbox import run, Call                                     # doctest: +SKIP
>>> result = run(source, [Call("ch01.sigmoid_prime", "sigmoid_prime", [(0.5,), (np.ones(3),)])])
>>> result.status, [o.value for o in result.calls[0].outputs]

Each exercise runs in a fresh ``python -I`` process, confined by every layer this machine offers
(:mod:`.isolation`; ``python -m graders doctor`` lists them): resource limits, a memory cgroup
bounding all its processes together (:mod:`.cgroup`, where the machine allows one), a wall-clock kill
from outside, a scrubbed environment, and — with Linux namespaces — no network, its own PID
namespace, a private read-only root in which the repository, submissions, results, gradebook and
home directories do not exist, and an unprivileged user. The ``course`` it sees is a copy in
which the exercise's answers are stubs (:mod:`.stubs`). Outputs are converted to float64 arrays
inside and sent back as JSON + ``.npy`` over a capped pipe (:mod:`.inside.wire`); the trusted
side checks them (:mod:`.frames`) and never unpickles anything the sandbox wrote.

Modules, in the order a run uses them: :mod:`.model` (Call, Limits, results), :mod:`.isolation`,
:mod:`.cgroup`, :mod:`.stubs`, :mod:`.runner` (``run``), :mod:`.pump`, :mod:`.frames`, :mod:`.text`; inside the
sandbox :mod:`.inside.boot`, :mod:`.inside.driver`, :mod:`.inside.confine`, :mod:`.inside.wire`;
:mod:`.doctor` for the command line.
"""
from graders.sandbox.model import STATUSES, Call, CallResult, CaseOutput, Limits, RunResult
from graders.sandbox.runner import available_mode, run

__all__ = ["Call", "CallResult", "CaseOutput", "Limits", "RunResult", "STATUSES", "available_mode", "run"]
