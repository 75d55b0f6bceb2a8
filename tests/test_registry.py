"""The registry is complete: every core op declares its type rule, numpy reference and StableHLO lowering."""

from tfc.registry import REGISTRY, Trait

# Ops the backends handle themselves: structure (module, function) and block terminators.
STRUCTURAL = {"builtin.module", "func.func"}


def core_ops():
    return [d for d in REGISTRY if d.name.startswith("tfc.") and not d.has(Trait.TERMINATOR)]


def test_every_tf_op_has_a_type_rule_and_a_decomposition():
    # A Placeholder that reaches legalization was not fed: reporting that is its "decomposition";
    # TfcGradients (tf.gradients) is expanded by legalize-tf after the rest of its function.
    tf_ops = [d for d in REGISTRY if d.name.startswith("tf.")]
    assert tf_ops
    missing = [d.name for d in tf_ops if d.infer is None or (d.decompose is None and d.name not in ("tf.Placeholder", "tf.TfcGradients"))]
    assert not missing, missing


def test_every_core_op_has_reference_lowering_and_type_rule():
    missing = [
        f"{d.name}: no {what}"
        for d in core_ops()
        for what, value in (("reference", d.reference), ("lowering", d.lower), ("type rule", d.infer))
        if value is None
    ]
    assert not missing, "\n".join(missing)


def test_every_op_has_a_summary_and_consistent_traits():
    for d in REGISTRY:
        assert d.summary, d.name
        assert not (d.has(Trait.PURE) and d.has(Trait.STATEFUL)), d.name
        assert not d.has(Trait.COMMUTATIVE) or len(d.operands) == 2, d.name


def test_issue_core_set_is_registered():
    required = """abs negate exp log tanh sqrt add subtract multiply divide maximum minimum power compare select clamp
    convert broadcast_in_dim reshape transpose slice dynamic_slice dynamic_update_slice pad concatenate iota gather
    dot_general convolution reduce reduce_window argmax argmin cumsum sort if while call constant""".split()
    names = {d.name for d in REGISTRY}
    assert not [n for n in required if f"tfc.{n}" not in names]
