"""The numpy reference implementation that the chapters build, one concept per module.

* :mod:`.chain_rule` (chapter 1), :mod:`.functions` and :mod:`.jacobian` (chapter 2):
  activations, derivatives, Jacobians and vector-Jacobian products;
* :mod:`.autodiff` (chapter 3): the scalar reverse-mode engine ``Value``;
* :mod:`.layers`, :mod:`.losses`, :mod:`.mlp` (chapter 4): layers with forward/backward,
  losses that return their gradient, a multi-layer perceptron; :mod:`.backprop` (chapter 4):
  the chapter's answers as plain functions (linear forward/backward, activation and loss
  backward, the notes' two-layer V/W network, an MLP's backward);
* :mod:`.training`, :mod:`.history` (chapter 5): the per-sample algorithm of the notes and its
  mini-batch form, and what they record.

Examples are columns (``z = W @ a + b``), float64, randomness only through an explicit ``rng``.
The reference answers of exercises are imported from here by later chapters and by the specs;
calling one for the very exercise that asks for it scores 0.
"""
