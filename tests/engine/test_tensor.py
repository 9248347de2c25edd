"""Tensor construction, dtypes and printing, against MindSpore 2.x's recorded output.

The one deliberate difference: MindSpore 2.x pads a space for the sign before each float
(``[ 9.68000054e-01, ...``); mini_autograd prints as the document does (``[9.68000054e-01, ...``).
"""
import numpy as np
import pytest

import mini_autograd as ma
from mini_autograd import Tensor
from mini_autograd import dtype as mstype


@pytest.mark.parametrize("data,dtype_name", [
    (2.5, "Float32"), (3, "Int64"), (True, "Bool"), ([1, 2], "Int64"), ([[0.8, 0.6]], "Float32"),
    (np.array([1.5, 2.0]), "Float64"), (np.array([1], np.int32), "Int32"), (np.float32(1.0), "Float32"),
])
def test_default_dtypes_follow_mindspore(data, dtype_name):
    assert str(Tensor(data).dtype) == dtype_name


@pytest.mark.parametrize("tensor,text", [
    (Tensor(2.5), "Tensor(shape=[], dtype=Float32, value= 2.5)"),
    (Tensor(2.0), "Tensor(shape=[], dtype=Float32, value= 2)"),
    (Tensor(3), "Tensor(shape=[], dtype=Int64, value= 3)"),
    (Tensor(True), "Tensor(shape=[], dtype=Bool, value= True)"),
    (Tensor([1, 2]), "Tensor(shape=[2], dtype=Int64, value= [1, 2])"),
    (Tensor(np.array([21.536], np.float32)), "Tensor(shape=[1], dtype=Float32, value= [2.15359993e+01])"),
    (Tensor(np.array([[-1, 2]], np.int32)), "Tensor(shape=[1, 2], dtype=Int32, value=\n[[-1,  2]])"),
    (Tensor(np.array([[1.5, 2]], np.float16)), "Tensor(shape=[1, 2], dtype=Float16, value=\n[[1.5000e+00, 2.0000e+00]])"),
    (Tensor(np.arange(8, dtype=np.float32).reshape(2, 2, 2)),
     "Tensor(shape=[2, 2, 2], dtype=Float32, value=\n"
     "[[[0.00000000e+00, 1.00000000e+00],\n  [2.00000000e+00, 3.00000000e+00]],\n"
     " [[4.00000000e+00, 5.00000000e+00],\n  [6.00000000e+00, 7.00000000e+00]]])"),
])
def test_repr_follows_the_documents_format(tensor, text):
    assert repr(tensor) == text


def test_str_prints_the_array_as_numpy_does():
    assert str(Tensor([[1.5, 2.0], [3, 4]])) == "[[1.5 2. ]\n [3.  4. ]]"


def test_python_numbers_take_the_tensors_dtype():
    assert str((Tensor([1.0]) * 2).dtype) == "Float32"
    assert str((Tensor([1], mstype.int32) * 2).dtype) == "Int32"
    assert str((Tensor([1]) * 2.5).dtype) == "Float32"
    assert str((Tensor([1.0], mstype.float32) + Tensor([1.0], mstype.float64)).dtype) == "Float64"
    np.testing.assert_allclose((1.0 - Tensor([0.25]) / 2).asnumpy(), [0.875])


def test_methods():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(t.sum().asnumpy(), 15.0)
    np.testing.assert_array_equal(t.sum(axis=1, keepdims=True).asnumpy(), [[3.0], [12.0]])
    np.testing.assert_array_equal(t.mean(axis=0).asnumpy(), [1.5, 2.5, 3.5])
    assert t.reshape(3, 2).shape == (3, 2) and t.reshape((6,)).shape == (6,)
    assert t.transpose().shape == (3, 2) and t.T.shape == (3, 2)
    assert Tensor(np.ones((1, 3, 1))).squeeze().shape == (3,)
    assert str(t.astype(mstype.float16).dtype) == "Float16"
    assert t.ndim == 2 and t.size == 6 and len(t) == 2


def test_asnumpy_is_a_copy():
    t = Tensor([1.0, 2.0])
    t.asnumpy()[0] = 9.0
    assert t.asnumpy()[0] == 1.0
    a = np.array([1.0, 2.0])
    t = Tensor(a)
    a[0] = 9.0
    assert t.asnumpy()[0] == 1.0


def test_bad_input_data():
    with pytest.raises(TypeError, match="'input_data' should be a number, a list"):
        Tensor({"a": 1})
    with pytest.raises(TypeError, match="dtype must be one of"):
        Tensor(np.array(["a"]))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))


def test_importing_with_cpu_does_not_import_numba():
    import subprocess
    import sys
    code = "import mini_autograd, sys; assert 'numba' not in sys.modules, 'numba was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert ma.get_context("device_target") == "CPU"


def test_an_integer_tensor_to_a_float_power_is_float32():
    # MindSpore: Tensor([4, 9]) ** 0.5 -> [2., 3.] (Float32); the exponent must not be cast to int
    r = Tensor([4, 9]) ** 0.5
    assert str(r.dtype) == "Float32"
    np.testing.assert_allclose(r.asnumpy(), [2.0, 3.0])
    np.testing.assert_allclose((Tensor([2, 4]) ** -1).asnumpy(), [0.5, 0.25])


def test_minus_zero_is_not_confused_with_zero():
    x = Tensor([1.0])
    _ = x * 0.0
    assert np.signbit((x * -0.0).asnumpy()[0])  # the cached 0.0 constant must not serve -0.0


def test_squeeze_rejects_an_axis_out_of_range():
    t = Tensor(np.ones((3, 1), np.float32))
    with pytest.raises(ValueError, match="'axis' should be in \\[-2, 2\\).*got 3"):
        t.squeeze(3)
    assert t.squeeze(-1).shape == (3,)
