"""Write tests/data/compat_v1/api_array.npz: TensorFlow 1's gather/scatter/reverse/mask functions, its
layout functions (space/depth/batch, meshgrid, linspace, patches), its clipping functions and
``tf.linalg`` (``tf.compat.v1``) on fixed inputs, run in graph mode, with each result's static shape,
op type and each function's signature.

Run it with TensorFlow 2.15, from outside the repository (its keras/ would shadow Keras):
``cd /tmp && /tmp/tf215env/bin/python -P /work/main/scripts/generate_tf1_api_array_reference.py``.
tests/compat/test_tf1_array_linalg.py loads this file for :func:`inputs` and :data:`GROUPS` (the same
TF1 code runs on both sides) and reads the .npz; it never imports TensorFlow, so nothing here
imports TensorFlow at module level.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "compat_v1" / "api_array.npz"

SIGN_FREE = ("linalg/svd_u", "linalg/svd_v", "linalg/eigh_v", "linalg/svd_batch_u", "linalg/qr_q", "linalg/qr_r", "linalg/qr_full_r")
"""Results defined up to the sign of each column (singular and eigen vectors, Q of QR) or row (R of QR):
compared after :func:`fix_signs` on both sides."""


def fix_signs(value: np.ndarray, key: str) -> np.ndarray:
    """Each column (each row for R) scaled by the sign of its largest-magnitude entry."""
    rows = key.endswith("_r")
    v = np.swapaxes(value, -1, -2) if rows else value
    pick = np.take_along_axis(v, np.abs(v).argmax(axis=-2)[..., None, :], axis=-2)
    v = v * np.where(pick < 0, -1, 1).astype(v.dtype)
    return np.swapaxes(v, -1, -2) if rows else v


def inputs() -> dict[str, np.ndarray]:
    """The fed arrays (seeded)."""
    rng = np.random.default_rng(20241204)
    f32 = np.float32
    m = rng.normal(size=(3, 3)).astype(f32)
    bm = rng.normal(size=(2, 3, 3))
    d = rng.normal(size=(3, 3))
    return {
        "x": rng.normal(size=(3, 4)).astype(f32), "m": m, "spd": (m @ m.T + 3 * np.eye(3)).astype(f32),
        "bm": bm.astype(f32), "bspd": (bm @ np.swapaxes(bm, 1, 2) + 2 * np.eye(3)).astype(f32),
        "d": d, "dspd": d @ d.T + 2 * np.eye(3), "rhs": rng.normal(size=(3, 2)).astype(f32),
        "tall": rng.normal(size=(5, 3)).astype(f32), "rhs5": rng.normal(size=(5, 2)).astype(f32),
        "c": (rng.normal(size=(2, 3)) + 1j * rng.normal(size=(2, 3))).astype(np.complex64),
        "img": rng.normal(size=(2, 4, 4, 3)).astype(f32), "t3": rng.normal(size=(2, 3, 4)).astype(f32),
        "params": rng.normal(size=(4, 3)).astype(f32), "idx": np.array([[0, 1], [3, 2], [1, 0]], np.int32),
        "rows": np.array([[2], [0]], np.int32), "ints": np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3], np.int32),
        "lengths": np.array([1, 3, 0, 2], np.int32), "sorted": np.sort(rng.integers(0, 20, (2, 6)), axis=1).astype(f32),
        "probe": rng.integers(0, 20, (2, 4)).astype(f32), "parts": np.array([1, 0, 2, 0, 1, 1, 0, 2, 2, 0], np.int32),
        "v3a": rng.normal(size=(4, 3)).astype(f32), "v3b": rng.normal(size=(4, 3)).astype(f32),
        "special": np.array([1.0, np.inf, 2.0], f32),
    }


def placeholders(tf, arrays: dict) -> dict:
    """One placeholder per input; ``x`` has an unknown first dimension, to check static shapes."""
    return {k: tf.placeholder(a.dtype, [None, *a.shape[1:]] if k == "x" else a.shape, name=k) for k, a in arrays.items()}


def indexing_cases(tf, p) -> dict:
    x, params, idx, ints = p["x"], p["params"], p["idx"], p["ints"]
    parts = tf.dynamic_partition(data=ints, partitions=p["parts"], num_partitions=3)
    diff = tf.setdiff1d(x=ints, y=[1, 5, 7])
    uniq = tf.unique_with_counts(x=ints, out_idx=tf.int64)
    return {
        "gather_nd": tf.gather_nd(params=params, indices=idx), "gather_nd_rows": tf.gather_nd(params, p["rows"]),
        "scatter_nd": tf.scatter_nd(indices=p["rows"], updates=[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], shape=[4, 3]),
        "scatter_nd_dup": tf.scatter_nd([[1], [1], [3]], [1, 2, 3], [5]),
        "update": tf.tensor_scatter_nd_update(tensor=params, indices=idx, updates=[9.0, 8.0, 7.0]),
        "add": tf.tensor_scatter_nd_add(params, idx, [9.0, 8.0, 7.0]), "sub": tf.tensor_scatter_nd_sub(params, idx, [9.0, 8.0, 7.0]),
        "min": tf.tensor_scatter_nd_min(params, idx, [0.0, 0.0, 0.0]), "max": tf.tensor_scatter_nd_max(params, idx, [0.0, 0.0, 0.0]),
        "v1_update": tf.tensor_scatter_update(params, p["rows"], tf.ones([2, 3])), "v1_add": tf.tensor_scatter_add(params, idx, [1.0, 1, 1]),
        "v1_sub": tf.tensor_scatter_sub(params, idx, [1.0, 1, 1]),
        "reverse": tf.reverse(tensor=x, axis=[1]), "reverse_both": tf.reverse(x, [0, -1]), "reverse_v2": tf.reverse_v2(p["t3"], axis=[2]),
        "reverse_sequence": tf.reverse_sequence(input=p["t3"], seq_lengths=[2, 3], seq_axis=2, batch_axis=0),
        "reverse_sequence_v1": tf.reverse_sequence(p["t3"], [1, 2, 3], seq_dim=2, batch_dim=1),
        "roll": tf.roll(input=x, shift=1, axis=1), "roll_2": tf.roll(x, shift=[2, -1], axis=[0, 1]),
        "where_v2": tf.where_v2(x > 0, x, -1.0), "where_v2_idx": tf.where_v2(condition=x > 0),
        "sequence_mask": tf.sequence_mask(lengths=p["lengths"], maxlen=5), "sequence_mask_auto": tf.sequence_mask(p["lengths"]),
        "sequence_mask_float": tf.sequence_mask([[1, 2], [0, 3]], 4, dtype=tf.float32),
        "searchsorted": tf.searchsorted(sorted_sequence=p["sorted"], values=p["probe"]),
        "searchsorted_right": tf.searchsorted(p["sorted"], p["probe"], side="right", out_type=tf.int64),
        "searchsorted_1d": tf.searchsorted([1.0, 2.0, 3.0], [2.0, 0.5, 9.0]),
        "partition_0": parts[0], "partition_1": parts[1], "partition_2": parts[2],
        "stitch": tf.dynamic_stitch(indices=[[0, 2], [1, 3]], data=[[[1.0, 1], [2, 2]], [[3.0, 3], [4, 4]]]),
        "setdiff": diff[0], "setdiff_idx": diff[1], "unique": uniq[0], "unique_idx": uniq[1], "unique_count": uniq[2],
        "batch_gather": tf.batch_gather(params=p["t3"], indices=[[0, 2], [2, 1]]),
        "broadcast_to": tf.broadcast_to(input=[1.0, 2.0, 3.0], shape=[2, 3]),
        "gather_batch_dims": tf.gather(p["t3"], [[0, 2], [1, 1]], axis=1, batch_dims=1),
    }


def layout_cases(tf, p) -> dict:
    img = p["img"]
    s2b = tf.space_to_batch_nd(input=img, block_shape=[2, 2], paddings=[[0, 0], [2, 0]])
    grid_x, grid_y = tf.meshgrid([1, 2, 3], [4, 5])
    ij = tf.meshgrid([1.0, 2.0], [3.0, 4.0, 5.0], [6.0], indexing="ij")
    shapes = tf.shape_n([img, p["x"]], out_type=tf.int64)
    return {
        "space_to_depth": tf.space_to_depth(input=img, block_size=2), "depth_to_space": tf.depth_to_space(tf.space_to_depth(img, 2), 2),
        "depth_to_space_2": tf.depth_to_space(tf.concat([img, img], 3)[..., :4], block_size=2),
        "space_to_batch_nd": s2b, "batch_to_space_nd": tf.batch_to_space_nd(input=s2b, block_shape=[2, 2], crops=[[0, 0], [2, 0]]),
        "space_to_batch": tf.space_to_batch(img, paddings=[[1, 1], [0, 2]], block_size=2),
        "batch_to_space": tf.batch_to_space(tf.space_to_batch(img, [[1, 1], [0, 2]], 2), crops=[[1, 1], [0, 2]], block_size=2),
        "grid_x": grid_x, "grid_y": grid_y, "ij_0": ij[0], "ij_1": ij[1], "ij_2": ij[2],
        "linspace": tf.linspace(start=0.0, stop=1.0, num=5), "lin_space": tf.lin_space(-2.0, 3.0, 7),
        "linspace_nd": tf.linspace([0.0, 10.0], [1.0, 20.0], 5, axis=-1), "linspace_nd0": tf.linspace([[0.0], [5.0]], [1.0, 2.0], num=4),
        "eye": tf.eye(3), "eye_rect": tf.eye(num_rows=2, num_columns=4, batch_shape=[2], dtype=tf.int32),
        "ensure_shape": tf.ensure_shape(p["x"], [3, None]), "check_numerics": tf.check_numerics(img, message="bad image"),
        "broadcast_dynamic_shape": tf.broadcast_dynamic_shape([2, 1, 3], [4, 1]),
        "shape_n_0": shapes[0], "shape_n_1": shapes[1],
        "patches": tf.extract_image_patches(img, ksizes=[1, 2, 2, 1], strides=[1, 2, 1, 1], rates=[1, 1, 1, 1], padding="VALID"),
        "patches_same": tf.extract_image_patches(img, [1, 3, 3, 1], [1, 1, 1, 1], [1, 1, 2, 1], "SAME"),
        "diag": tf.diag(diagonal=[1.0, 2.0, 3.0]), "diag_part": tf.diag_part(p["m"]),
        "tensor_diag": tf.linalg.tensor_diag([[1, 2], [3, 4]]),
    }


def clip_cases(tf, p) -> dict:
    x, t3 = p["x"], p["t3"]
    clipped, norm = tf.clip_by_global_norm([x, None, t3], clip_norm=2.0)
    unclipped, _ = tf.clip_by_global_norm([x], 1000.0)
    inf_clipped, inf_norm = tf.clip_by_global_norm([p["special"]], 1.0)
    return {
        "clip_by_norm": tf.clip_by_norm(t=x, clip_norm=1.5), "clip_by_norm_axes": tf.clip_by_norm(t3, 1.0, axes=[2]),
        "clip_by_norm_zero": tf.clip_by_norm(tf.zeros([3]), 1.0),
        "global_norm": tf.global_norm(t_list=[x, t3, None]), "linalg_global_norm": tf.linalg.global_norm([x]),
        "clip_global_0": clipped[0], "clip_global_2": clipped[2], "clip_global_norm": norm, "clip_global_big": unclipped[0],
        "clip_global_use_norm": tf.clip_by_global_norm([x], 1.0, use_norm=tf.constant(4.0))[0][0],
        "clip_global_inf": inf_clipped[0], "clip_global_inf_norm": inf_norm,
        "clip_by_average_norm": tf.clip_by_average_norm(t=x, clip_norm=0.1), "clip_by_average_norm_big": tf.clip_by_average_norm(x, 10.0),
    }


def linalg_cases(tf, p) -> dict:
    la = tf.linalg
    m, spd, bspd, rhs, d = p["m"], p["spd"], p["bspd"], p["rhs"], p["d"]
    chol = la.cholesky(spd)
    s, u, v = la.svd(tensor=p["tall"])
    e, ev = la.eigh(spd)
    q, r = la.qr(input=m)
    lu, perm = la.lu(m)
    sign, logabs = la.slogdet(bspd)
    return {
        "cholesky": chol, "cholesky_batch": tf.cholesky(bspd), "cholesky_f64": la.cholesky(p["dspd"]),
        "cholesky_solve": la.cholesky_solve(chol=chol, rhs=rhs), "det": la.det(m), "det_batch": tf.matrix_determinant(p["bm"]),
        "det_f64": la.det(d), "slogdet_sign": sign, "slogdet_log": logabs, "logdet": la.logdet(matrix=bspd),
        "inv": la.inv(input=spd), "inv_adjoint": tf.matrix_inverse(m, adjoint=True), "inv_f64": la.inv(d),
        "solve": la.solve(matrix=spd, rhs=rhs), "solve_adjoint": tf.matrix_solve(m, rhs, adjoint=True),
        "triangular_solve": la.triangular_solve(matrix=chol, rhs=rhs), "triangular_upper": tf.matrix_triangular_solve(m, rhs, lower=False),
        "triangular_adjoint": la.triangular_solve(chol, rhs, adjoint=True),
        "lstsq": la.lstsq(matrix=p["tall"], rhs=p["rhs5"]), "lstsq_l2": tf.matrix_solve_ls(p["tall"], p["rhs5"], l2_regularizer=0.5),
        "lu": lu, "lu_p": perm, "qr_q": q, "qr_r": r, "qr_full_r": la.qr(p["tall"], full_matrices=True)[1][:3],
        "svd_s": s, "svd_u": u, "svd_v": v, "svd_values": la.svd(m, compute_uv=False), "svd_batch_u": la.svd(bspd)[1],
        "eigh_e": e, "eigh_v": ev, "eigvalsh": la.eigvalsh(tensor=bspd), "self_adjoint_eigvals": tf.self_adjoint_eigvals(spd),
        "band_part": la.band_part(input=p["x"], num_lower=1, num_upper=0), "band_all": tf.matrix_band_part(m, -1, 1),
        "diag": la.diag(diagonal=[1.0, 2.0]), "diag_k": la.diag([1.0, 2.0], k=1, padding_value=9.0),
        "diag_rect": tf.matrix_diag([[1, 2], [3, 4]], num_rows=2, num_cols=3), "diag_band": la.diag([[1.0, 2.0], [3.0, 4.0]], k=(-1, 0)),
        "diag_part": la.diag_part(input=p["x"]), "diag_part_k": tf.matrix_diag_part(m, k=-1), "diag_part_band": la.diag_part(m, k=(0, 1)),
        "set_diag": la.set_diag(input=m, diagonal=[7.0, 8.0, 9.0]), "set_diag_k": tf.matrix_set_diag(p["x"], [1.0, 2.0, 3.0], k=1),
        "trace": la.trace(x=p["bm"]), "trace_top": tf.trace(p["x"]),
        "transpose": la.transpose(a=p["t3"]), "matrix_transpose": tf.matrix_transpose(p["c"], conjugate=True), "adjoint": la.adjoint(p["c"]),
        "matmul": la.matmul(m, rhs, transpose_a=True), "matvec": la.matvec(a=p["bm"], b=[1.0, 2.0, 3.0]),
        "matvec_t": la.matvec(m, p["v3a"][0], transpose_a=True), "cross": la.cross(a=p["v3a"], b=p["v3b"]), "cross_top": tf.cross(p["v3a"], p["v3b"]),
        "l2_normalize": la.l2_normalize(p["x"], axis=1), "l2_normalize_dim": la.l2_normalize(p["x"], dim=0),
        "eye": la.eye(2, batch_shape=[3]),
        "matrix_rank": la.matrix_rank(a=p["bm"]), "matrix_rank_low": la.matrix_rank(tf.ones([3, 4]) * p["x"][:1], tol=1e-3),
        "pinv": la.pinv(a=p["tall"]), "pinv_rcond": la.pinv(tf.ones([3, 3]), rcond=1e-3), "pinv_f64": la.pinv(d),
        "normalize": la.normalize(tensor=p["x"], axis=1)[0], "normalize_norm": la.normalize(p["t3"], ord=1, axis=(1, 2))[1],
        "lu_reconstruct": la.lu_reconstruct(lower_upper=lu, perm=perm), "lu_solve": la.lu_solve(lu, perm, rhs=rhs),
        "lu_matrix_inverse": la.lu_matrix_inverse(*la.lu(p["bm"])), "lu_solve_batch": la.lu_solve(*la.lu(p["bm"]), rhs=p["bm"]),
    }


def norm_cases(tf, p) -> dict:
    x, t3, m = p["x"], p["t3"], p["m"]
    return {
        "default": tf.norm(x), "axis": tf.norm(tensor=x, axis=1), "axis_keep": tf.norm(x, axis=-1, keepdims=True),
        "keep_dims": tf.norm(x, axis=0, keep_dims=True), "l1": tf.norm(x, ord=1, axis=1), "l1_all": tf.norm(t3, ord=1),
        "inf": tf.norm(x, ord=np.inf, axis=0), "p3": tf.norm(x, ord=3, axis=1), "p_half": tf.norm(x, ord=0.5),
        "l2": tf.linalg.norm(x, ord=2, axis=1), "fro": tf.norm(t3, ord="fro", axis=(1, 2)), "euclid_matrix": tf.norm(t3, axis=[-1, 0]),
        "m1": tf.norm(m, ord=1, axis=(0, 1)), "minf": tf.norm(m, ord=np.inf, axis=(0, 1)), "m2": tf.norm(t3, ord=2, axis=(1, 2)),
        "m2_keep": tf.norm(t3, ord=2, axis=(2, 0), keepdims=True), "m1_batch": tf.norm(t3, ord=1, axis=(-2, -1)),
        "complex": tf.norm(p["c"], axis=1), "f64": tf.norm(p["d"], ord=np.inf),
    }


def einsum_cases(tf, p) -> dict:
    m, x, t3, bm = p["m"], p["x"], p["t3"], p["bm"]
    return {
        "matmul": tf.einsum("ij,jk->ik", m, x), "implicit": tf.einsum("ij,jk", m, x), "trace": tf.einsum("ii", m),
        "transpose": tf.einsum("ij->ji", x), "batch": tf.einsum("bij,bjk->bik", bm, bm), "ellipsis": tf.einsum("...ij,...jk->...ik", bm, m),
        "outer": tf.einsum("i,j->ij", p["v3a"][0], p["v3b"][0]), "sum": tf.einsum("ijk->", t3), "spaces": tf.einsum("ij, jk -> ik", m, x),
        "three": tf.einsum("ij,jk,kl->il", m, m, x), "three_implicit": tf.einsum("ab,bc,cd", m, m, x, name="chain"),
        "tensordot_1": tf.tensordot(a=m, b=x, axes=1), "tensordot_0": tf.tensordot(p["v3a"][0], p["v3b"][1], 0),
        "tensordot_pairs": tf.tensordot(t3, p["params"], axes=[[2, 1], [0, 1]]), "tensordot_list": tf.tensordot(t3, m, [1, 0]),
        "tensordot_2": tf.tensordot(t3, tf.ones([3, 4]), 2), "tensordot_unknown": tf.linalg.tensordot(x, p["params"], 1),
    }


def gradient_cases(tf, p) -> dict:
    """Gradients through these functions (what a TF1 training program differentiates)."""
    x, m, spd, t3 = p["x"], p["m"], p["spd"], p["t3"]
    weights = tf.constant(np.linspace(-1.0, 1.0, 12).reshape(3, 4).astype(np.float32))
    of_x = {"gather_nd": tf.gather_nd(x, [[0, 1], [2, 2], [0, 1]]), "norm": tf.norm(x, axis=1), "norm_inf": tf.norm(x, ord=np.inf),
            "reverse": tf.reverse(x, [1]) * weights, "roll": tf.roll(x, 1, 1) * weights, "l2_normalize": tf.linalg.l2_normalize(x, 1) * weights,
            "clip_by_norm": tf.clip_by_norm(x, 1.0) * weights, "clip_by_global_norm": tf.clip_by_global_norm([x], 1.0)[0][0] * weights,
            "tensor_scatter_nd_update": tf.tensor_scatter_nd_update(x, [[0, 0]], [5.0]) * weights,
            "tensordot": tf.tensordot(m, x, 1), "einsum": tf.einsum("ij,ik->jk", x, weights)}
    of_m = {"inv": tf.linalg.inv(spd), "det": tf.linalg.det(spd), "cholesky": tf.linalg.cholesky(spd), "logdet": tf.linalg.logdet(spd),
            "solve": tf.linalg.solve(spd, p["rhs"]), "trace": tf.linalg.trace(spd), "eigvalsh": tf.linalg.eigvalsh(spd) * [1.0, 2.0, 3.0],
            "set_diag": tf.linalg.set_diag(spd, [1.0, 2.0, 3.0]) ** 2, "svd": tf.linalg.svd(spd, compute_uv=False)}
    grads = {f"d_{k}": tf.gradients(y, x)[0] for k, y in of_x.items()}
    grads.update({f"d_{k}": tf.gradients(y, spd)[0] for k, y in of_m.items()})
    grads["d_space_to_depth"] = tf.gradients(tf.space_to_depth(t3[None, :, :2, :], 2) ** 2, t3)[0]
    return grads


GROUPS = {"indexing": indexing_cases, "layout": layout_cases, "clip": clip_cases, "linalg": linalg_cases, "norm": norm_cases,
          "einsum": einsum_cases, "gradient": gradient_cases}


def cases(tf, p) -> dict:
    """Every recorded call, as ``group/name`` -> tensor."""
    return {f"{group}/{name}": t for group, build in GROUPS.items() for name, t in build(tf, p).items()}


def static_shape(t):
    return None if t.shape.ndims is None else [None if d is None else int(d) for d in t.shape.as_list()]


def default_text(value) -> str:
    """A default as text both sides spell alike (dtypes by numpy name)."""
    if value is inspect.Parameter.empty:
        return "<required>"
    if hasattr(value, "as_numpy_dtype"):
        return f"dtype:{np.dtype(value.as_numpy_dtype).name}"
    return repr(value)


def signatures(module, names) -> dict:
    out = {}
    for name in names:
        params = inspect.signature(getattr(module, name)).parameters.values()
        out[name] = [[p.name, default_text(p.default)] for p in params]
    return out


TOP_NAMES = [
    "batch_gather", "batch_to_space", "batch_to_space_nd", "broadcast_dynamic_shape", "broadcast_static_shape", "broadcast_to",
    "check_numerics", "clip_by_average_norm", "clip_by_global_norm", "clip_by_norm", "depth_to_space", "diag", "diag_part",
    "dynamic_partition", "dynamic_stitch", "ensure_shape", "extract_image_patches", "gather_nd", "global_norm", "lin_space", "linspace",
    "meshgrid", "reverse", "reverse_sequence", "reverse_v2", "roll", "scatter_nd", "searchsorted", "sequence_mask", "setdiff1d",
    "shape_n", "space_to_batch", "space_to_batch_nd", "space_to_depth", "tensor_scatter_add", "tensor_scatter_nd_add",
    "tensor_scatter_nd_max", "tensor_scatter_nd_min", "tensor_scatter_nd_sub", "tensor_scatter_nd_update", "tensor_scatter_sub",
    "tensor_scatter_update", "unique_with_counts", "where_v2",
    "cholesky", "cholesky_solve", "cross", "einsum", "eye", "matrix_band_part", "matrix_determinant", "matrix_diag", "matrix_diag_part",
    "matrix_inverse", "matrix_set_diag", "matrix_solve", "matrix_solve_ls", "matrix_transpose", "matrix_triangular_solve", "norm",
    "qr", "self_adjoint_eig", "self_adjoint_eigvals", "svd", "tensordot", "trace",
]
"""The top-level TF1 names these modules define (their signatures are recorded from ``tf.compat.v1``)."""


def main() -> None:
    import tensorflow as tf

    v1 = tf.compat.v1
    arrays = inputs()
    with tf.Graph().as_default():
        p = placeholders(v1, arrays)
        tensors = cases(v1, p)
        with v1.Session() as sess:
            values = sess.run(tensors, {p[k]: a for k, a in arrays.items()})
    linalg_names = sorted(n for n in dir(v1.linalg) if not n.startswith("_") and inspect.isfunction(getattr(v1.linalg, n)))
    meta = {"shapes": {k: static_shape(t) for k, t in tensors.items()}, "op_types": {k: t.op.type for k, t in tensors.items()},
            "linalg_signatures": signatures(v1.linalg, linalg_names), "top_signatures": signatures(v1, TOP_NAMES),
            "linalg_names": linalg_names, "linalg_top_level": sorted(n for n in linalg_names if hasattr(v1, n)),
            "top_is_linalg": sorted(n for n in linalg_names if getattr(v1, n, None) is getattr(v1.linalg, n))}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **{f"in:{k}": a for k, a in arrays.items()},
                        **{f"out:{k}": np.asarray(v) for k, v in values.items()})
    print(f"wrote {OUT} ({len(values)} results)")


if __name__ == "__main__":
    main()
