"""What the notebooks teach about MindSpore equals what MindSpore 2.10 did (issue 20).

The recorded data (tests/cases/teaching_recorded.py, made by tests/support/record_teaching.py on MindSpore 2.10.0
CPU) is compared with the constants and the sentences of the notebooks, so that a notebook that
says or copies something MindSpore did not do fails here.
"""
import ast
import json
import pathlib
import re

import pytest

from tests.cases.teaching_recorded import RECORDED

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[2] / "notebooks"
NUMBER = re.compile(r"-?\d\.\d+e[+-]\d\d")


def cells(name):
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())["cells"]


def text(name, kind=None):
    return "\n".join("".join(c["source"]) for c in cells(name) if kind is None or c["cell_type"] == kind)


def constant(name, variable):
    """The literal a notebook's code assigns to `variable` (np.array(...) read as its first argument)."""
    for cell in cells(name):
        if cell["cell_type"] != "code":
            continue
        for node in ast.parse("".join(cell["source"])).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == variable for t in node.targets):
                value = node.value
                if isinstance(value, ast.Call):
                    value = value.args[0]
                return ast.literal_eval(value)
    raise AssertionError(f"{name} assigns no {variable}")


def digits(recording):
    numbers = NUMBER.findall(RECORDED[recording]["GRAPH"]["third_example"])
    assert numbers == NUMBER.findall(RECORDED[recording]["PYNATIVE"]["third_example"])  # both modes alike
    return {"forward": numbers[:6], "dx": numbers[6:]}


def test_mindspore_cpu_digits_depend_on_the_cpu_as_03_and_04_say():
    avx512, avx2 = digits("cpu_this_machine"), digits("cpu_avx2")
    assert avx512 != avx2
    assert constant("03_gradient_value_scaling", "MINDSPORE_2_10_CPU_AVX512") == avx512
    assert constant("03_gradient_value_scaling", "MINDSPORE_2_10_CPU") == avx2
    for variable, recorded in (("MINDSPORE_CPU_AVX512", avx512), ("MINDSPORE_CPU_AVX2", avx2)):
        assert [f"{v:.8e}" for row in constant("04_gpu_kernels", variable) for v in row] == recorded["forward"]
    # the kernels the notebook names are the ones oneDNN's log named
    assert RECORDED["cpu_this_machine"]["onednn_matmul"] == ["brg_matmul:avx512_core"]
    for older in ("cpu_avx2", "cpu_avx", "cpu_sse41"):           # "limited to AVX2 or less": one kernel, one set
        assert RECORDED[older]["onednn_matmul"] == ["gemm:jit:f32"] and digits(older) == avx2
    assert "`brg_matmul:avx512_core`" in text("03_gradient_value_scaling")
    assert "`gemm:jit:f32`" in text("03_gradient_value_scaling")


def test_printed_text_differences_02_and_03_name():
    recorded = RECORDED["cpu_this_machine"]["GRAPH"]["weights_example"]
    assert "[[ 9.68000054e-01," in recorded                        # MindSpore pads the sign
    assert "`[[ 9.68000054e-01, ...`" in text("03_gradient_value_scaling", "markdown")
    dz = NUMBER.findall(recorded)[-1]
    assert dz == constant("02_weight_derivation", "MINDSPORE_DZ") == "2.03921986e+01"
    assert NUMBER.findall(RECORDED["cpu_avx2"]["GRAPH"]["weights_example"])[-1] == dz


def test_graph_mode_branches_on_a_tensor_value_in_mindspore():
    recorded = RECORDED["control_flow_graph_mode"]
    in_01 = constant("01_input_derivation", "MINDSPORE_GRAPH_MODE")
    assert {k: (v["input"], v["value"], v["grad"]) for k, v in recorded.items()} == \
        {k: tuple(v) for k, v in in_01.items()}
    for name in ("00_start_here", "01_input_derivation"):
        assert "may not branch on a tensor's value" not in text(name)


def test_vjp_fn_and_jacobians_as_07_says():
    calls = RECORDED["vjp_calls"]
    assert [calls[k] for k in ("after ms.vjp", "after vjp_fn call 1", "after vjp_fn call 2",
                               "after vjp_fn call 3")] == [1, 1, 2, 3]
    said = text("07_higher_order")
    assert "keeps its forward pass for the first `vjp_fn` call only" in said
    assert "one forward pass, kept for every vjp" not in said
    assert "the same code runs on MindSpore with the import changed" not in said.replace("\n", " ")
    # every cell MindSpore could not run belongs to section 4 (counting calls) or 7 (this engine's trace)
    failed = [first for first, result in RECORDED["notebook_07_cells"]
              if result != "ok" and not result.startswith("skipped")]
    section = {}
    current = 0
    for cell in cells("07_higher_order"):
        source = "".join(cell["source"])
        match = re.match(r"## (\d)\.", source)
        if cell["cell_type"] == "markdown" and match:
            current = int(match.group(1))
        elif cell["cell_type"] == "code" and source.strip():
            section[source.strip().splitlines()[0]] = current
    assert RECORDED["grad_of_a_primitive"] != "ok"       # why section 9 wraps ops.Sin() in a function
    assert failed and all(section[first] in (4, 7) for first in failed), \
        [(first, section.get(first)) for first in failed]
    assert any("Parse Lambda Function Fail" in result for _, result in RECORDED["notebook_07_cells"])
    assert all("vmap dont support" in result for result in RECORDED["jacobian_with_a_counter"].values())
    assert '("Parse Lambda Function Fail")' in said and '("vmap dont support")' in said


def test_train_one_step_cell_default_and_loss_scaling_as_06_says():
    assert "sens=None" in RECORDED["train_one_step_cell_signature"]
    assert "init_loss_scale=16777216" in RECORDED["dynamic_loss_scale_manager_signature"]   # 2**24
    said = text("06_gradient_rules")
    assert "Left at its default, `sens=None`, it calls\n`GradOperation(get_by_list=True)`" in said
    assert "lifts every\ngradient" not in said and "2²⁴" in said
    assert RECORDED["has_ops_clip_by_global_norm"] and "`ops.clip_by_global_norm`" in text("05_training_loop")


def test_05_clipping_solution_does_what_clip_by_global_norm_does():
    """05's open-ended exercise says ops.clip_by_global_norm does what it asks: its solution agrees."""
    import nbformat
    import numpy as np

    from course.make_assignments import SOLUTION_HEADER

    nb = nbformat.read(NOTEBOOKS / "05_training_loop.ipynb", as_version=4)
    solution = [c.source for c in nb.cells if "solution" in c.metadata.get("tags", []) and "my_clip" in c.source]
    namespace = {"np": np}
    exec(SOLUTION_HEADER.sub("", solution[0]), namespace)
    grads = (np.array([3.0, 0.0]), np.array([[0.0], [4.0]]))
    for clip, recorded in RECORDED["clip_by_global_norm"].items():
        ours = namespace["my_clip"](grads, clip)
        assert all(np.allclose(o, r, rtol=1e-6) for o, r in zip(ours, recorded)), (clip, ours, recorded)
