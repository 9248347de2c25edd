"""The smaller differences issue 24 found, where we now follow MindSpore 2.10 (recorded from
MindSpore 2.10.0 CPU by hand, in its venv); the others are rows of README's departures table."""
import numpy as np
import pytest

import mini_autograd as ms
from mini_autograd import Tensor, ops
from mini_autograd import dtype as mstype


def test_set_seed_seeds_numpys_global_generator():
    # MindSpore 2.10: ms.set_seed(3); np.random.rand() equals np.random.seed(3); np.random.rand()
    ms.set_seed(3)
    first = np.random.rand(4)
    np.random.seed(3)
    np.testing.assert_array_equal(first, np.random.rand(4))


def test_set_seed_makes_randn_repeatable():
    ms.set_seed(7)
    a = ops.randn(2, 3).asnumpy()
    ms.set_seed(7)
    b = ops.randn((2, 3)).asnumpy()
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and a.shape == (2, 3)


def test_dtype_to_nptype_gives_numpys_type():
    # MindSpore 2.10: mstype.dtype_to_nptype(mstype.float32) is np.float32 -> True
    assert mstype.dtype_to_nptype(mstype.float32) is np.float32
    assert mstype.dtype_to_nptype(mstype.int64) is np.int64


def test_primitive_takes_a_name():
    # MindSpore 2.10: ops.Primitive('MyOp').name -> 'MyOp'
    assert ops.Primitive("MyOp").name == "MyOp"
    with pytest.raises(TypeError, match="'name'"):
        ops.Primitive(3)


@pytest.mark.parametrize("shape,expected", [((2, -1), (2, 3)), ((-1,), (3,)), ((4, 2, -1), (4, 2, 3))])
def test_broadcast_to_keeps_the_inputs_size_where_the_shape_says_minus_one(shape, expected):
    # MindSpore 2.10: ops.BroadcastTo((2, -1))(Tensor of shape (3,)).shape -> (2, 3)
    x = Tensor(np.array([1.0, 2.0, 3.0], np.float32))
    assert ops.BroadcastTo(shape)(x).shape == expected
    assert ops.broadcast_to(x, shape).shape == expected


def test_broadcast_to_minus_one_on_an_axis_the_input_lacks_is_refused():
    with pytest.raises(ValueError, match=r"cannot be broadcast to \[-1, 3\]"):
        ops.BroadcastTo((-1, 3))(Tensor(np.array([1.0, 2.0, 3.0], np.float32)))


def test_tensor_is_the_factory_and_tensors_the_module():
    import mini_autograd.tensors as module
    assert callable(ms.tensor) and ms.tensor is module.tensor
    t = ms.tensor([1, 2, 3], ms.float32)
    assert isinstance(t, Tensor) and t.dtype == ms.float32


def test_parameter_groups_are_refused_with_a_message_that_says_so():
    # MindSpore 2.10 takes [{'params': [w], 'lr': 0.1}, {'params': [b]}]; README's departures table
    net = ms.nn.Dense(3, 2)
    w, b = net.trainable_params()
    with pytest.raises(TypeError, match="parameter groups"):
        ms.nn.SGD([{"params": [w], "lr": 0.1}, {"params": [b]}], learning_rate=0.01)
