"""Gradient checking: compare analytic derivatives with finite differences.

Three entry points, one result type:

``gradcheck(f, df, x)``
    ``f`` scalar-valued and ``df(x)`` its gradient (the shape of ``x``), or
    ``f`` vector-valued and ``df(x)`` its Jacobian ``(f(x).size, x.size)``
    (outputs x inputs); scalar -> scalar works too.
``gradcheck_layer(layer, x)``
    A layer's ``backward(g)`` against the vector-Jacobian product of its
    ``forward`` for a random upstream gradient ``g``: ``dx`` and the gradient
    of every parameter (``layer.parameters()`` / ``layer.gradients()``).
``gradcheck_model(model, X, Y, loss_fn)``
    A whole model: the loss gradient ``dout`` returned by
    ``loss_fn(out, Y) -> (loss, dout)`` and every parameter gradient.

Each returns a :class:`GradcheckResult`, truthy iff
everything passed, that prints as a short report naming the tensor, the index,
the analytic and numerical values and the likely bug.

How it measures:

* central differences in float64, step ``cbrt(eps) * max(1, |x|)``;
* ``mode="exhaustive"`` perturbs every entry; ``mode="directional"`` compares
  ``<g, v>`` with ``(f(x + t v) - f(x - t v)) / 2t`` for 3 random directions
  unit vectors ``v`` (random signs, comparable magnitudes), with a tolerance
  relative to ``||g||``, and localises wrong entries by bisection; ``mode="auto"`` (default) is
  exhaustive for tensors of at most 100 entries, directional above;
* a pass means ``|analytic - numeric| <= atol + rtol * scale + rounding``;
  ``rtol`` defaults to 1e-6 (1e-4 when the analytic side is float32, 1e-3 when
  the function itself computes in float32);
* kinks (relu at 0, |x| at 0, ties in max) are recognised from one-sided
  differences and reported, not counted as errors.

Nothing passed in is modified: ``x`` is copied, a layer's parameters are
perturbed in place and restored exactly, and a function that modifies its
input is reported as a failure.

The steps of one check, in order, and the module of each:

1. **prepare** the inputs: validate options, copy ``x`` to float64, call ``df``/``backward``
   and turn a missing or misshapen analytic value into a failed check; choose ``rtol``
   (:mod:`.prepare`, :mod:`.numeric` for calling ``f`` safely);
2. **measure** the numeric side with central differences (:mod:`.numeric`, :class:`.compare.Probe`);
3. **compare** analytic and numeric values entry by entry or along random directions
   (:mod:`.compare`, :mod:`.directional`);
4. **locate** the wrong entries by bisection, and for a model the layer that is wrong
   (:mod:`.directional`, :mod:`.locate`);
5. **diagnose** the pattern of the wrong entries (:mod:`.diagnosis`);
6. **report**: a :class:`GradcheckResult` that prints itself (:mod:`.report`).

:mod:`.run` strings steps 2-5 together for one tensor; :mod:`.function_check` and
:mod:`.layer_check` are the entry points that prepare their tensors and call it.
"""
from course.gradcheck.function_check import gradcheck
from course.gradcheck.layer_check import gradcheck_layer, gradcheck_model
from course.gradcheck.report import GradcheckError, GradcheckResult

__all__ = ["gradcheck", "gradcheck_layer", "gradcheck_model", "GradcheckResult", "GradcheckError"]
