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
the analytic and numerical values and the likely bug. Its ``verdict`` is ``"passed"``,
``"failed"`` or ``"cannot tell"``: the last (falsy, never a failure) when nothing disagreed only
because ``f``'s values are so large that their rounding, seen through a step, is more than the
tolerance at the gradient's scale (``1e10 + sum(v**2)``); the report says why and what to do.

How it measures:

* central differences in float64, step ``cbrt(eps) * max(1, |x|)``; where analytic and numeric
  disagree, smaller steps (down to ``/4**11``) follow a function whose own length scale is far
  below that (``sin(x / 1e-6)``), accepting only values that have converged;
* ``mode="exhaustive"`` perturbs every entry (in place, one plain loop); ``mode="directional"``
  compares ``<g, v>`` with ``(f(x + t v) - f(x - t v)) / 2t`` along a random unit direction
  ``v`` (random signs, magnitudes within a factor 2, so a single wrong entry always shows; three
  directions once one disagrees), with a tolerance relative to ``||g||``, and localises wrong
  entries by bisection; ``mode="auto"`` (default) is exhaustive for tensors of at most 100
  entries, directional above, and for a layer or model of more than 1000 parameters checks all
  the parameters along one joint direction first (each tensor on its own only if that fails);
* a pass means ``|analytic - numeric| <= atol + rtol * scale + rounding``;
  ``rtol`` defaults to 1e-6 (1e-4 when the analytic side is float32, 1e-3 when
  the function itself computes in float32, which is recognised from its values even when it
  returns float64 or a Python float); float32 analytic values are also allowed the rounding of
  the tensor's scale (a float32 derivative computed with cancellation is exact only to that);
* kinks (relu at 0, |x| at 0, ties in max) are recognised from one-sided
  differences and reported, not counted as errors; a random direction through
  a kink is a weak test (``<g, v>`` need only lie between one-sided slopes that
  sum over the kinks), so such a direction is bisected until every part passes
  without a kink or is one entry, judged alone (up to 16 kinked entries); with
  more kinks, ``"auto"`` mode checks a tensor of up to 10 000 entries entry by
  entry, and a larger one is "cannot tell";
* a layer or model runs ``forward``/``backward`` once more at the end: a gradient that is not
  the same again (``dW += ...`` with no reset) fails, named;
* a cause is stated only on the entries it was established on (the whole tensor, the exact
  entries, rows or columns, a zero block), else "no pattern recognised" (:mod:`.scope`).

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
5. **diagnose** the pattern of the wrong entries (:mod:`.diagnosis`; for a directional check,
   on the entries it holds for, :mod:`.scope`);
6. **report**: a :class:`GradcheckResult` that prints itself (:mod:`.report`; an elementwise
   derivative in ``x``'s own shape, :mod:`.elementwise`).

:mod:`.run` strings steps 2-5 together for one tensor; :mod:`.function_check` and
:mod:`.layer_check` are the entry points that prepare their tensors and call it
(:mod:`.parameters` builds the parameter probes of a layer or model).
"""
from course.gradcheck.function_check import gradcheck
from course.gradcheck.layer_check import gradcheck_layer, gradcheck_model
from course.gradcheck.report import GradcheckError, GradcheckResult

__all__ = ["gradcheck", "gradcheck_layer", "gradcheck_model", "GradcheckResult", "GradcheckError"]
