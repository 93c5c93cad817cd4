"""The numpy reference implementation that the chapters build, one concept per module.

* :mod:`.chain_rule` (chapter 1), :mod:`.functions` and :mod:`.jacobian` (chapter 2):
  activations, derivatives, Jacobians and vector-Jacobian products;
* :mod:`.autodiff` (chapter 3): the scalar reverse-mode engine ``Value`` and its primitives, with
  :mod:`.traversal` (its topological order and backward pass) and :mod:`.operands` (its operand
  checks and overflow errors); :mod:`.gates` (the backward rules of the add, mul, max, copy and sigmoid gates) and :mod:`.scalar_backprop` (small
  graphs and a 2-2-1 network backpropagated by hand), chapter 3's exercise answers;
* :mod:`.layers`, :mod:`.losses`, :mod:`.mlp` (chapter 4): layers with forward/backward,
  losses that return their gradient, a multi-layer perceptron; :mod:`.backprop` (chapter 4):
  the chapter's answers as plain functions (linear forward/backward, activation and loss
  backward, the notes' two-layer V/W network, an MLP's backward);
* :mod:`.training` (chapter 5) gathers the trainers: :mod:`.per_sample` (the notes' algorithm),
  :mod:`.minibatch` and :mod:`.fast_steps` (its mini-batch form and unchecked inner steps),
  :mod:`.packed` (an ``MLP``'s parameters as views of one flat vector, updated at once),
  :mod:`.epochs` (the shared outer loop), :mod:`.history` (what they record),
  :mod:`.divergence` (NaN/overflow detection), :mod:`.trainer_checks` (argument checks).

Examples are columns (``z = W @ a + b``), float64, randomness only through an explicit ``rng``.
The reference answers of exercises are imported from here by later chapters and by the specs;
calling one for the very exercise that asks for it scores 0.
"""
