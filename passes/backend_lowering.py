"""``backend-lowering``: rewrite what a platform's compiler handles badly into what it handles well.

Each op's ``rewrite_for`` hook decides, from its attributes and shapes, whether the platform wants
another form; the pass applies the hooks, so the choice is in the IR (``--print-ir-after-all``
shows it) and every rewrite is testable against the interpreter. Today, on ``cpu``:

* a depthwise convolution (any channel multiplier) becomes shifted multiply-adds (XLA:CPU compiles it
  30-50x slower), and so does a convolution of a one-channel input with up to 25 taps (Eigen's im2col
  of one channel: a Keras CNN's first 3x3 layer 4x slower);
* a module with other convolutions asks XLA:CPU to give them to Eigen rather than YNNPACK
  (``tfc.xla_options = {xla_cpu_experimental_ynn_fusion_type = ...}`` on the module, XLA's default
  YNNPACK fusions less convolutions, see :mod:`tfc.compile_options`): measured on every convnet in the repository, YNNPACK's
  kernels were as fast on small_cnn and 5-30% slower on the others (a DenseNet block: 24 -> 17 ms).
  ``ynn-convolutions=true`` keeps XLA's default. The choice changes no result beyond the order of
  the additions.

Before (``backend-lowering{platform=cpu}``)::

    %y = "tfc.convolution"(%x, %k) {feature_group_count = 8 : i64, ...} : (tensor<1x6x6x8xf32>, tensor<3x3x1x8xf32>) -> ...

After: a ``tfc.pad`` of ``%x``, then for each of the 9 kernel taps a strided ``tfc.slice`` of it
times that tap's weights (``tfc.slice`` of ``%k``, reshaped and broadcast along the channels),
summed with ``tfc.add``. Only the order of the additions differs from the convolution.
``platform=none`` (or leaving the pass out) keeps every op.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfc.builder import Builder
from tfc.compile_options import set_xla_option
from tfc.ir import Block, Module
from tfc.passmanager import Pass, PipelineError, register_pass
from tfc.registry import lookup
from tfc.rewriter import Rewriter

PLATFORMS = ("cpu", "gpu", "tpu", "none")
YNN_FUSIONS_BUT_CONVOLUTIONS = "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT,LIBRARY_FUSION_TYPE_REDUCE"
"""XLA:CPU's default YNNPACK fusions (jaxlib 0.10.2: dots, convolutions, reductions) without the
convolutions; set as a list of XLA's enum names, the only form its compile options accept."""


@register_pass
@dataclass(frozen=True)
class BackendLowering(Pass):
    """Apply the ops' ``rewrite_for`` hooks for one platform (see the module docstring)."""

    name = "backend-lowering"
    platform: str = "cpu"
    """The platform compiling the module: ``cpu``, ``gpu``, ``tpu``, or ``none`` to rewrite nothing."""
    ynn_convolutions: bool = False
    """On ``cpu``: leave convolutions to XLA's default library choice (YNNPACK) instead of Eigen."""

    def run(self, module: Module) -> None:
        if self.platform not in PLATFORMS:
            raise PipelineError(f"backend-lowering: unknown platform '{self.platform}' (expected {', '.join(PLATFORMS)})")
        if self.platform == "none":
            return
        with Rewriter() as rewriter:
            for op in list(module.walk()):
                opdef = lookup(op.name)
                if opdef is None or opdef.rewrite_for is None:
                    continue
                scratch = Block()
                results = opdef.rewrite_for(op, self.platform, Builder(scratch, op.location))
                if results is None:
                    continue
                rewriter.move_before(op, scratch.ops)
                for old, new in zip(op.results, results):
                    new.name_hint = new.name_hint or old.name_hint
                    old.replace_all_uses_with(new)
                rewriter.erase(op)
        if self.platform == "cpu" and not self.ynn_convolutions and any(op.name == "tfc.convolution" for op in module.walk()):
            set_xla_option(module, "xla_cpu_experimental_ynn_fusion_type", YNN_FUSIONS_BUT_CONVOLUTIONS)


__all__ = ["PLATFORMS", "BackendLowering"]
