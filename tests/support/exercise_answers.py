"""Plausible wrong answers for every exercise of the notebooks, and what a check must never print.

Keyed by (notebook, exercise number in the notebook). Each wrong answer is code run in the notebook's
namespace in place of the learner's cell; the exercise's check must then say "not yet" (no error,
no "correct"), and never print a TELLS string: the answer, in the forms a print would show it.
Used by tests/notebooks/test_notebooks.py (the checks) and tests/notebooks/test_nbgrader.py (grading).
"""
WRONG = {
    ("01_input_derivation", 1): [
        ("forgotten transpose (column sums of U)", "answer = np.ones((2, 3)) @ np.triu(np.ones((3, 3)))"),
        ("y taken as the identity", "answer = np.ones((2, 3))"),
        ("shape slip: U itself", "answer = np.triu(np.ones((3, 3)))"),
        ("the forward value", "answer = x_np @ np.triu(np.ones((3, 3)))"),
    ],
    ("01_input_derivation", 2): [
        ("z forgotten", "answer = x_np.T @ np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])"),
        ("sensitivity ignored", "answer = 2.0 * x_np.T @ np.ones((2, 3))"),
        ("transposed", "answer = (2.0 * x_np.T @ np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])).T"),
        ("shape slip: dx's shape", "answer = 2.0 * np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]]) @ y_np.T"),
    ],
    ("02_weight_derivation", 1): [
        ("z kept in the derivative", "answer = 2 * 21.536"),
        ("a second number after the right one", "answer = [21.536, 999]"),
        ("the neighbouring notebook's mixed derivative", "answer = 21.62"),
    ],
    ("02_weight_derivation", 2): [
        ("sensitivity ignored", "answer = 21.536"),
        ("the sum of the sensitivity", "answer = float(np.sum(S_DOC))"),
        ("one number per output element", "answer = S_DOC * (x_np @ y_np)"),
    ],
    ("02_weight_derivation", 3): [
        ("gradients not grouped", "answer = (x_np @ y_np, (S_DOC @ y_np.T, x_np.T @ S_DOC), "
                                  "(np.array([np.sum(S_DOC * (x_np @ y_np))]),))"),
        ("sensitivity ignored", "answer = (x_np @ y_np, ((np.ones((2, 3)) @ y_np.T, x_np.T @ np.ones((2, 3))), "
                                "(np.array([np.sum(x_np @ y_np)]),)))"),
        ("dz not in a tuple", "answer = (x_np @ y_np, ((S_DOC @ y_np.T, x_np.T @ S_DOC), "
                              "np.array([np.sum(S_DOC * (x_np @ y_np))])))"),
        ("the value scaled by s", "answer = (S_DOC * (x_np @ y_np), ((S_DOC @ y_np.T, x_np.T @ S_DOC), "
                                  "(np.array([np.sum(S_DOC * (x_np @ y_np))]),)))"),
    ],
    ("02_weight_derivation", 4): [
        ("all zeros", "answer = np.zeros((2, 3))"),
        ("the document's x", "answer = x_np"),
        ("entries that cancel but not their weights", "answer = np.array([[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]])"),
        ("shape slip", "answer = np.array([[2.7, -4.51], [0.0, 0.0], [0.0, 0.0]])"),
    ],
    ("03_gradient_value_scaling", 1): [
        ("the factor 2 forgotten", "answer = np.array([[3.3, 0.2, 2.2], [1.1, 1.4, 0.3]])"),
        ("rows of y for columns", "answer = np.array([[1.1, 0.2, 1.4], [2.2, 4.4, 0.6]])"),
        ("only the element [1, 2]", "answer = np.array([[0.0, 0.0, 0.0], [2.2, 2.8, 0.6]])"),
        ("shape slip: the sensitivity's columns",
         "answer = np.array([[0.0, 1.0], [0.0, 0.0], [0.0, 2.0]]) @ y_np.T[:2]"),
    ],
    ("03_gradient_value_scaling", 2): [
        ("transposed", "answer = (x_np.T @ s_np).T"),
        ("sensitivity ignored", "answer = x_np.T @ np.ones((2, 3))"),
        ("zeros", "answer = np.zeros((3, 3))"),
        ("shape slip: x s^T", "answer = x_np @ s_np.T"),
    ],
    ("03_gradient_value_scaling", 3): [
        ("line A", 'answer = "A"'),
        ("line B", 'answer = "B"'),
        ("line C", 'answer = "C"'),
    ],
    ("04_gpu_kernels", 1): [
        ("a thread per element", "answer = (4, 4096)"),
        ("partial tiles dropped", "answer = (1, 256)"),
        ("threads along one side", "answer = (4, 16)"),
        ("the simulator's tile", "answer = (35, 16)"),
    ],
    ("05_training_loop", 1): [
        ("two SGD steps", "answer = 0.8"),
        ("one momentum step", "answer = 0.9"),
        ("the moment for p", "answer = 3.8"),
        ("the second step alone", "answer = 1.0 - 0.05 * 3.8"),
    ],
    ("05_training_loop", 2): [
        ("each gradient clipped by its own norm",
         "def my_clip(grads, max_norm):\n"
         "    return tuple(g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads)"),
        ("entries clipped",
         "def my_clip(grads, max_norm):\n    return tuple(np.clip(g, -max_norm, max_norm) for g in grads)"),
        ("always rescaled", "def my_clip(grads, max_norm):\n"
                            "    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))\n"
                            "    return tuple(g * max_norm / total for g in grads)"),
        ("the sum of the norms for the global norm", "def my_clip(grads, max_norm):\n"
                            "    total = sum(np.linalg.norm(g) for g in grads)\n"
                            "    return tuple(g * min(1.0, max_norm / total) for g in grads)"),
    ],
    ("06_gradient_rules", 1): [
        ("forgotten transpose", "def my_matmul_vjp(dout, x, y):\n    return dout @ y, x.T @ dout"),
        ("dy transposed", "def my_matmul_vjp(dout, x, y):\n    return dout @ y.T, dout.T @ x"),
        ("a factor 2", "def my_matmul_vjp(dout, x, y):\n    return 2 * dout @ y.T, 2 * x.T @ dout"),
        ("gradients swapped", "def my_matmul_vjp(dout, x, y):\n    return x.T @ dout, dout @ y.T"),
    ],
    ("06_gradient_rules", 2): [
        ("no sum over the copies", "def my_mul_vjp(dout, x, y):\n    return dout * y, dout * x"),
        ("summed over everything", "def my_mul_vjp(dout, x, y):\n"
                                   "    return np.full(x.shape, np.sum(dout * y)), np.full(y.shape, np.sum(dout * x))"),
        ("factors swapped", "def my_mul_vjp(dout, x, y):\n"
                            "    def sum_to(g, shape):\n"
                            "        g = g.sum(axis=tuple(range(g.ndim - len(shape))))\n"
                            "        axes = tuple(i for i, n in enumerate(shape) if n == 1)\n"
                            "        return g.sum(axis=axes, keepdims=True).reshape(shape)\n"
                            "    return sum_to(dout * x, x.shape), sum_to(dout * y, y.shape)"),
    ],
    ("06_gradient_rules", 3): [
        ("sign flipped", "answer = ex_labels - softmax(ex_logits)"),
        ("a mean for the sum", "answer = (softmax(ex_logits) - ex_labels) / 2"),
        ("softmax alone", "answer = softmax(ex_logits)"),
        ("05's sparse labels", "answer = softmax(ex_logits) - np.eye(4)[np.argmax(ex_labels, axis=1)]"),
    ],
    ("07_higher_order", 1): [
        ("row (0, 1)", "answer = np.array([[3.3, 0.2, 2.2], [0.0, 0.0, 0.0]])"),
        ("a row of y for a column", "answer = np.array([[0.0, 0.0, 0.0], [1.1, 0.2, 1.4]])"),
        ("shape slip: the row alone", "answer = Y[:, 1]"),
        ("zeros", "answer = np.zeros((2, 3))"),
    ],
    ("07_higher_order", 2): [
        ("reverse mode", 'cheaper, products = "jacrev", 500'),
        ("this engine's calls for products", 'cheaper, products = "jacfwd", 4'),
        ("the outputs counted", 'cheaper, products = "jacfwd", 500'),
        ("reverse mode, inputs counted", 'cheaper, products = "jacrev", 3'),
    ],
    ("07_higher_order", 3): [
        ("the gradient of the summed gradient, times v",
         "def my_hvp(g, x, v):\n    return ms.grad(lambda x_: ms.grad(g)(x_).sum())(x) * v"),
        ("the diagonal of sum(x^3)", "def my_hvp(g, x, v):\n    return 6 * x * v"),
        ("the gradient times v", "def my_hvp(g, x, v):\n    return ms.grad(g)(x) * v"),
        ("evaluated at v", "def my_hvp(g, x, v):\n    return ms.grad(lambda x_: (ms.grad(g)(x_) * v).sum())(v)"),
    ],
    ("07_higher_order", 4): [
        ("the target not held", "def my_loss(w, x):\n    return ((w * x - (0.9 * w * x + 0.1)) ** 2).sum()"),
        ("the prediction held instead", "def my_loss(w, x):\n"
                                        "    return ((ops.stop_gradient(w * x) - (0.9 * w * x + 0.1)) ** 2).sum()"),
        ("both held", "def my_loss(w, x):\n"
                      "    return ((ops.stop_gradient(w * x) - ops.stop_gradient(0.9 * w * x + 0.1)) ** 2).sum()"),
        ("no square", "def my_loss(w, x):\n    return (w * x - ops.stop_gradient(0.9 * w * x + 0.1)).sum()"),
    ],
}

# What a check must not print for a wrong answer, and no output above the exercise may show: the
# answer, as a print would show it.
TELLS = {
    ("01_input_derivation", 1): ["3., 2., 1.", "3.0, 2.0, 1.0", "[3 2 1]", "(3, 2, 1)"],
    ("01_input_derivation", 2): ["7.2", "5.2", "4.4"],
    ("02_weight_derivation", 1): ["21.536"],
    ("02_weight_derivation", 2): ["20.39"],
    ("02_weight_derivation", 3): ["20.39", "(dz,)"],
    ("02_weight_derivation", 4): ["4.51"],
    ("03_gradient_value_scaling", 1): ["2.8, 0.6", "2.8 0.6"],
    ("03_gradient_value_scaling", 2): ["1.52", "2.82"],
    ("03_gradient_value_scaling", 3): ["line D", "'D'", '"D"'],
    ("04_gpu_kernels", 1): ["(4, 256)", "256"],
    ("05_training_loop", 1): ["0.71"],
    ("05_training_loop", 2): [],
    ("06_gradient_rules", 1): ["dout @ y.T", "x.T @ dout"],
    ("06_gradient_rules", 2): ["sum_to(dout * y"],
    ("06_gradient_rules", 3): ["softmax(ex_logits) - ex_labels"],
    ("07_higher_order", 1): ["3.3, 0.2, 2.2", "3.3 0.2 2.2"],
    ("07_higher_order", 2): ["3 jvps", "jacfwd computes"],
    ("07_higher_order", 3): ["4 q", "8 x"],
    ("07_higher_order", 4): ["0.40", "0.4 "],
}
