import numpy as np

from .harness import check_op


def test_add_i32():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    check_op("tfc.add", [a, a], expected=[a + a])


def test_divide_truncates_and_by_zero():
    a = np.array([7, -7, 5, 3], np.int32)
    b = np.array([2, 2, 0, -2], np.int32)
    check_op("tfc.divide", [a, b], expected=[np.array([3, -3, -1, -1], np.int32)])
