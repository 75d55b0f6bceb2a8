"""TF1 optimizers: ``tf.train.GradientDescentOptimizer``, ``MomentumOptimizer``, ``AdamOptimizer``,
``AdagradOptimizer``, ``RMSPropOptimizer``, ``FtrlOptimizer``, writing TensorFlow's own update kernels
(``ApplyGradientDescent``, ``ApplyMomentum``, ...) on each variable, with slots as variables named
``<var>/<Optimizer>`` as TensorFlow names them, and ``global_step`` incremented after the updates."""

from __future__ import annotations

from ..array_ops import group, zeros_like
from ..gradients import gradients
from ..graph import get_default_graph
from ..ops import add, add_op, to_tensor
from ..variables import Variable, graph_variable, trainable_variables


class Optimizer:
    """The TF1 optimizer protocol: ``minimize`` = ``compute_gradients`` + ``apply_gradients``."""

    def __init__(self, use_locking: bool, name: str):
        self._use_locking = use_locking
        self._name = name
        self._slots: dict[str, dict[int, Variable]] = {}

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=1, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        grads_and_vars = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        usable = [(g, v) for g, v in grads_and_vars if g is not None]
        if not usable:
            names = ", ".join(v.name for _, v in grads_and_vars)
            raise ValueError(f"no gradients provided for any variable: check that the loss depends on them ({names})")
        return self.apply_gradients(usable, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=1, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None) -> list[tuple]:
        var_list = [graph_variable(v) for v in var_list] if var_list is not None else trainable_variables()
        if not var_list:
            raise ValueError("no variables to optimize")
        grads = gradients(loss, var_list, None if grad_loss is None else [grad_loss])
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        grads_and_vars = [(g, graph_variable(v)) for g, v in grads_and_vars if g is not None]
        graph = get_default_graph()
        with graph.name_scope(None):
            self._create_slots([v for _, v in grads_and_vars])
        with graph.name_scope(name or self._name) as scope:  # the op returned is named exactly this
            self._prepare()
            updates = []
            for grad, var in grads_and_vars:
                with graph.name_scope("update_" + var.op.name.replace("/", "_")):
                    updates.append(self._apply_dense(to_tensor(grad), var))
            if global_step is None:
                return self._finish(updates, scope)
            global_step = graph_variable(global_step)
            with graph.control_dependencies([self._finish(updates, "update")]), graph.colocate_with(global_step):
                return add_op("AssignAdd", [global_step.ref_tensor(), to_tensor(1, global_step.dtype)], name=scope)

    # ---- slots --------------------------------------------------------------------------------------
    def _zeros_slot(self, var: Variable, slot: str, initial=None, op_name: str | None = None) -> Variable:
        made = self._slots.setdefault(slot, {})
        if id(var) not in made:
            graph = get_default_graph()
            with graph.name_scope(var.op.name + "/"):
                value = zeros_like(var.initial_value) if initial is None else initial(var)
                # W/Adam, W/Adam_1... as TensorFlow names them
                made[id(var)] = Variable(value, trainable=False, name=op_name or self._name)
        return made[id(var)]


    def get_slot(self, var, name):
        return self._slots.get(name, {}).get(id(var))

    def get_slot_names(self) -> list[str]:
        return sorted(self._slots)

    def _const(self, value, var: Variable, name: str):
        return to_tensor(value, var.dtype, name)

    # ---- what each optimizer defines -----------------------------------------------------------------
    def _create_slots(self, var_list) -> None:
        return None

    def _prepare(self) -> None:
        return None

    def _apply_dense(self, grad, var):
        raise NotImplementedError

    def _finish(self, update_ops, name_scope):
        return group(*update_ops, name=name_scope)


class GradientDescentOptimizer(Optimizer):
    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _apply_dense(self, grad, var):
        return add_op("ApplyGradientDescent", [var.ref_tensor(), self._const(self._learning_rate, var, "learning_rate"), grad],
                      {"use_locking": self._use_locking})


class MomentumOptimizer(Optimizer):
    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate, self._momentum, self._use_nesterov = learning_rate, momentum, use_nesterov

    def _create_slots(self, var_list) -> None:
        for var in var_list:
            self._zeros_slot(var, "momentum")


    def _apply_dense(self, grad, var):
        accum = self.get_slot(var, "momentum")
        inputs = [var.ref_tensor(), accum.ref_tensor(), self._const(self._learning_rate, var, "learning_rate"), grad,
                  self._const(self._momentum, var, "momentum")]
        return add_op("ApplyMomentum", inputs, {"use_locking": self._use_locking, "use_nesterov": self._use_nesterov})


class AdamOptimizer(Optimizer):
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08, use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon
        self._powers: tuple[Variable, Variable] | None = None

    def _create_slots(self, var_list) -> None:
        if self._powers is None and var_list:
            first = min(var_list, key=lambda v: v.name)
            self._powers = (Variable(to_tensor(self._beta1, first.dtype), trainable=False, name="beta1_power"),
                            Variable(to_tensor(self._beta2, first.dtype), trainable=False, name="beta2_power"))
        for var in var_list:
            self._zeros_slot(var, "m")
            self._zeros_slot(var, "v")


    def _apply_dense(self, grad, var):
        beta1_power, beta2_power = self._powers
        consts = [self._const(v, var, n) for v, n in ((self._lr, "learning_rate"), (self._beta1, "beta1"), (self._beta2, "beta2"),
                                                       (self._epsilon, "epsilon"))]
        inputs = [var.ref_tensor(), self.get_slot(var, "m").ref_tensor(), self.get_slot(var, "v").ref_tensor(),
                  add("Cast", [beta1_power.value()], {"DstT": var.dtype}) if beta1_power.dtype != var.dtype else beta1_power.value(),
                  add("Cast", [beta2_power.value()], {"DstT": var.dtype}) if beta2_power.dtype != var.dtype else beta2_power.value(),
                  *consts, grad]
        return add_op("ApplyAdam", inputs, {"use_locking": self._use_locking})

    def _finish(self, update_ops, name_scope):
        beta1_power, beta2_power = self._powers
        graph = get_default_graph()
        with graph.control_dependencies(update_ops):
            update1 = beta1_power.assign(beta1_power * to_tensor(self._beta1, beta1_power.dtype), use_locking=self._use_locking)
            update2 = beta2_power.assign(beta2_power * to_tensor(self._beta2, beta2_power.dtype), use_locking=self._use_locking)
        return group(*update_ops, update1, update2, name=name_scope)


def filled_like(tensor, value):
    """``value`` in ``tensor``'s shape: a constant shape where it is known, so the slot variable gets a
    static shape (its update kernels need one), else the tensor's dynamic Shape."""
    dims = tensor.shape.as_list() if tensor.shape.rank is not None else None
    shape = to_tensor(dims, "int32") if dims is not None and None not in dims else add("Shape", [tensor])
    return add("Fill", [shape, to_tensor(value, tensor.dtype)])


class AdagradOptimizer(Optimizer):
    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"):
        super().__init__(use_locking, name)
        self._learning_rate, self._initial = learning_rate, initial_accumulator_value

    def _create_slots(self, var_list) -> None:
        for var in var_list:
            self._zeros_slot(var, "accumulator", lambda v: filled_like(v.initial_value, self._initial))


    def _apply_dense(self, grad, var):
        inputs = [var.ref_tensor(), self.get_slot(var, "accumulator").ref_tensor(), self._const(self._learning_rate, var, "learning_rate"), grad]
        return add_op("ApplyAdagrad", inputs, {"use_locking": self._use_locking})


class RMSPropOptimizer(Optimizer):
    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False, centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._lr, self._decay, self._momentum, self._epsilon, self._centered = learning_rate, decay, momentum, epsilon, centered

    def _create_slots(self, var_list) -> None:
        for var in var_list:
            self._zeros_slot(var, "rms", lambda v: add("OnesLike", [v.initial_value]))
            self._zeros_slot(var, "momentum")
            if self._centered:
                self._zeros_slot(var, "mg")


    def _apply_dense(self, grad, var):
        slots = [self.get_slot(var, s).ref_tensor() for s in (("mg",) if self._centered else ()) + ("rms", "momentum")]
        consts = [self._const(v, var, n) for v, n in ((self._lr, "learning_rate"), (self._decay, "decay"), (self._momentum, "momentum"),
                                                       (self._epsilon, "epsilon"))]
        op_type = "ApplyCenteredRMSProp" if self._centered else "ApplyRMSProp"
        return add_op(op_type, [var.ref_tensor(), *slots, *consts, grad], {"use_locking": self._use_locking})


class FtrlOptimizer(Optimizer):
    """FTRL-Proximal (McMahan et al., 2013), TensorFlow 1's ``tf.train.FtrlOptimizer``: slots
    ``accum`` (starting at ``initial_accumulator_value``) and ``linear`` (zeros), named ``<var>/Ftrl``
    and ``<var>/Ftrl_1`` (or ``accum_name``/``linear_name``); each step is one ``ApplyFtrl`` node, or
    ``ApplyFtrlV2`` when ``l2_shrinkage_regularization_strength`` is positive. ``beta`` is folded
    into the L2 strength as TensorFlow does: ``l2 + beta / (2 * learning_rate)``.

        step = tf.train.FtrlOptimizer(0.1, l1_regularization_strength=0.01).minimize(loss)
    """

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, use_locking=False, name="Ftrl", accum_name=None, linear_name=None,
                 l2_shrinkage_regularization_strength=0.0, beta=None):
        super().__init__(use_locking, name)
        checks = (("initial_accumulator_value", initial_accumulator_value, "positive or zero", lambda v: v >= 0.0),
                  ("learning_rate_power", learning_rate_power, "negative or zero", lambda v: v <= 0.0),
                  ("l1_regularization_strength", l1_regularization_strength, "positive or zero", lambda v: v >= 0.0),
                  ("l2_regularization_strength", l2_regularization_strength, "positive or zero", lambda v: v >= 0.0),
                  ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength, "positive or zero", lambda v: v >= 0.0))
        for arg, value, expected, ok in checks:
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise TypeError(f"FtrlOptimizer: {arg} must be a number, got {value!r}")
            if not ok(value):
                raise ValueError(f"FtrlOptimizer: {arg} {value} needs to be {expected}")
        self._learning_rate, self._lr_power, self._initial = learning_rate, learning_rate_power, initial_accumulator_value
        self._l1, self._l2, self._l2_shrinkage = l1_regularization_strength, l2_regularization_strength, l2_shrinkage_regularization_strength
        self._beta = 0.0 if beta is None else beta
        self._accum_name, self._linear_name = accum_name, linear_name

    def _create_slots(self, var_list) -> None:
        for var in var_list:
            self._zeros_slot(var, "accum", lambda v: filled_like(v.initial_value, self._initial), self._accum_name)
            self._zeros_slot(var, "linear", None, self._linear_name)

    def _adjusted_l2(self):
        """``l2 + beta / (2 * max(learning_rate, 1e-36))``: TensorFlow passes beta to the kernel this way."""
        if not self._beta:
            return self._l2
        if isinstance(self._learning_rate, (int, float)):
            return self._l2 + self._beta / (2.0 * max(self._learning_rate, 1e-36))
        learning_rate = to_tensor(self._learning_rate)
        rate = add("Maximum", [learning_rate, to_tensor(1e-36, learning_rate.dtype)])
        return add("AddV2", [to_tensor(self._l2, learning_rate.dtype),
                             add("RealDiv", [to_tensor(self._beta, learning_rate.dtype), add("Mul", [to_tensor(2.0, learning_rate.dtype), rate])])])

    def _apply_dense(self, grad, var):
        const = self._cast_const
        inputs = [var.ref_tensor(), self.get_slot(var, "accum").ref_tensor(), self.get_slot(var, "linear").ref_tensor(), grad,
                  const(self._learning_rate, var, "learning_rate"), const(self._l1, var, "l1_regularization_strength"),
                  const(self._adjusted_l2(), var, "adjusted_l2_regularization_strength")]
        if self._l2_shrinkage <= 0.0:
            return add_op("ApplyFtrl", [*inputs, const(self._lr_power, var, "learning_rate_power")], {"use_locking": self._use_locking})
        inputs += [const(self._l2_shrinkage, var, "l2_shrinkage_regularization_strength"), const(self._lr_power, var, "learning_rate_power")]
        return add_op("ApplyFtrlV2", inputs, {"use_locking": self._use_locking})

    def _cast_const(self, value, var: Variable, name: str):
        """``value`` in ``var``'s dtype: a Python number as a constant, a tensor cast when its dtype differs."""
        if isinstance(value, (int, float)):
            return self._const(value, var, name)
        value = to_tensor(value)
        return value if value.dtype == var.dtype else add("Cast", [value], {"DstT": var.dtype})


__all__ = ["AdagradOptimizer", "AdamOptimizer", "FtrlOptimizer", "GradientDescentOptimizer", "MomentumOptimizer", "Optimizer", "RMSPropOptimizer"]
