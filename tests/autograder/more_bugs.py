# ruff: noqa: E501 (the replacements are source lines, kept whole so they match exactly)
"""More realistic bugs for test_bugs.py: name -> (assignment, [(cell, old, new)], failing cells)."""

from __future__ import annotations

MORE_BUGS: dict[str, tuple[str, list[tuple[str, str, str]], set[str]]] = {
    "softmax_global_max": (
        "01_loss_functions",
        [("a1_softmax_code", "np.max(x, axis=-1, keepdims=True)", "np.max(x)")],
        {"a1_softmax_stable"},
    ),
    "softmax_sums_axis0": (
        "01_loss_functions",
        [
            (
                "a1_softmax_code",
                "e / np.sum(e, axis=-1, keepdims=True)",
                "e / np.sum(e, axis=0, keepdims=True)",
            )
        ],
        {"a1_softmax", "a1_softmax_stable"},
    ),
    "softmax_writes_into_x": (
        "01_loss_functions",
        [
            (
                "a1_softmax_code",
                "shifted = x - np.max(x, axis=-1, keepdims=True)",
                "x -= np.max(x, axis=-1, keepdims=True)\n    shifted = x",
            )
        ],
        {"a1_softmax"},
    ),
    "mse_sum_not_mean": (
        "01_loss_functions",
        [("a1_mse_code", "return total if y.ndim == 1 else total / y.shape[0]", "return total")],
        {"a1_mse"},
    ),
    "mse_no_shape_check": (
        "01_loss_functions",
        [("a1_mse_code", "if y.shape != t.shape:", "if False:")],
        {"a1_mse"},
    ),
    "cee_labels_by_dtype": (
        "01_loss_functions",
        [("a1_cee_code", "if t.shape == y.shape:", "if t.dtype != np.int64:")],
        {"a1_cee_labels"},
    ),
    "cee_no_batch_mean": (
        "01_loss_functions",
        [
            (
                "a1_cee_code",
                "np.log(y[np.arange(n), t] + delta)) / n",
                "np.log(y[np.arange(n), t] + delta))",
            )
        ],
        {"a1_cee_onehot", "a1_cee_labels", "a1_cee_no_log0"},
    ),
}
MORE_BUGS.update(
    {
        "softmax_from_dlfs": (
            "01_loss_functions",
            [
                (
                    "a1_softmax_code",
                    "def softmax(x: np.ndarray) -> np.ndarray:",
                    "from dlfs.functions import softmax\n\n\ndef _unused(x: np.ndarray) -> np.ndarray:",
                )
            ],
            {"a1_softmax", "a1_softmax_stable"},
        ),
        "forward_difference": (
            "02_numerical_gradient",
            [
                (
                    "a2_numerical_diff_code",
                    "return (f(x + h) - f(x - h)) / (2 * h)",
                    "return (f(x + h) - f(x)) / h",
                )
            ],
            {"a2_numerical_diff"},
        ),
        "diff_ignores_h": (
            "02_numerical_gradient",
            [
                (
                    "a2_numerical_diff_code",
                    "return (f(x + h) - f(x - h)) / (2 * h)",
                    "return (f(x + 1e-4) - f(x - 1e-4)) / (2 * 1e-4)",
                )
            ],
            {"a2_numerical_diff"},
        ),
        "gradient_first_axis_only": (
            "02_numerical_gradient",
            [
                (
                    "a2_numerical_gradient_code",
                    "for idx in np.ndindex(x.shape):",
                    "for idx in range(x.shape[0]):",
                )
            ],
            {"a2_gradient_nd", "a2_gd"},
        ),
        "gradient_ignores_h": (
            "02_numerical_gradient",
            [
                (
                    "a2_numerical_gradient_code",
                    "grad = np.zeros_like(x, dtype=float)",
                    "h = 1e-4\n    grad = np.zeros_like(x, dtype=float)",
                )
            ],
            {"a2_gradient_1d"},
        ),
        "gd_fixed_lr": (
            "02_numerical_gradient",
            [
                (
                    "a2_gd_code",
                    "x -= lr * numerical_gradient(f, x)",
                    "x -= 0.1 * numerical_gradient(f, x)",
                )
            ],
            {"a2_gd"},
        ),
        "gd_one_step_too_many": (
            "02_numerical_gradient",
            [("a2_gd_code", "for _ in range(step_num):", "for _ in range(step_num + 1):")],
            {"a2_gd"},
        ),
        "gradient_from_dlfs": (
            "02_numerical_gradient",
            [
                (
                    "a2_numerical_gradient_code",
                    "def numerical_gradient(f, x: np.ndarray, h: float = 1e-4) -> np.ndarray:",
                    "from dlfs.gradient import numerical_gradient\n\n\ndef _unused(f, x: np.ndarray, h: float = 1e-4) -> np.ndarray:",
                )
            ],
            {"a2_gradient_1d", "a2_gradient_nd", "a2_gradient_restores", "a2_gd", "a2_gd_input"},
        ),
    }
)
MORE_BUGS.update(
    {
        "sgd_replaces_arrays": (
            "04_optimizers",
            [
                (
                    "a4_sgd_momentum_code",
                    "params[key] -= self.lr * grads[key]",
                    "params[key] = params[key] - self.lr * grads[key]",
                )
            ],
            {"a4_sgd"},
        ),
        "momentum_plus_gradient": (
            "04_optimizers",
            [
                (
                    "a4_sgd_momentum_code",
                    "self.momentum * self.v[key] - self.lr * grads[key]",
                    "self.momentum * self.v[key] + self.lr * grads[key]",
                )
            ],
            {"a4_momentum"},
        ),
        "momentum_forgets_velocity": (
            "04_optimizers",
            [("a4_sgd_momentum_code", "if self.v is None:", "if True:")],
            {"a4_momentum"},
        ),
        "adagrad_squares_grads_in_place": (
            "04_optimizers",
            [
                (
                    "a4_adaptive_code",
                    "self.h[key] += grads[key] * grads[key]\n            params[key] -= self.lr * grads[key]",
                    "grads[key] *= grads[key]\n            self.h[key] += grads[key]\n            params[key] -= self.lr * np.sqrt(grads[key])",
                )
            ],
            {"a4_adagrad"},
        ),
        "rmsprop_decay_swapped": (
            "04_optimizers",
            [
                (
                    "a4_adaptive_code",
                    "self.decay_rate * self.h[key] + (1 - self.decay_rate) * grads[key] ** 2",
                    "(1 - self.decay_rate) * self.h[key] + self.decay_rate * grads[key] ** 2",
                )
            ],
            {"a4_rmsprop"},
        ),
        "adam_m_not_averaged": (
            "04_optimizers",
            [
                (
                    "a4_adaptive_code",
                    "self.m[key] = self.beta1 * self.m[key] + (1 - self.beta1) * grads[key]",
                    "self.m[key] = self.beta1 * self.m[key] + grads[key]",
                )
            ],
            {"a4_adam"},
        ),
        "adam_one_step_counter_per_key": (
            "04_optimizers",
            [
                (
                    "a4_adaptive_code",
                    "            self.m[key] = self.beta1",
                    "            self.t += 1\n            self.m[key] = self.beta1",
                )
            ],
            {"a4_adam"},
        ),
        # the textbook's Adam: 1e-7 added to sqrt(v), the bias correction folded into lr
        "adam_eps_before_correction": (
            "04_optimizers",
            [
                (
                    "a4_adaptive_code",
                    "(np.sqrt(v_hat) + self.eps)",
                    "(np.sqrt(v_hat) + 1e-7 / np.sqrt(1 - self.beta2**self.t))",
                )
            ],
            {"a4_adam"},
        ),
        "dropout_global_random": (
            "04_optimizers",
            [("a4_dropout_code", "self.rng.random(x.shape)", "np.random.rand(*x.shape)")],
            {"a4_dropout_forward"},
        ),
        "dropout_inverted": (
            "04_optimizers",
            [
                (
                    "a4_dropout_code",
                    "return x * self.mask",
                    "return x * self.mask / (1.0 - self.dropout_ratio)",
                )
            ],
            {"a4_dropout_forward"},
        ),
        "dropout_new_mask_in_backward": (
            "04_optimizers",
            [
                (
                    "a4_dropout_code",
                    "return dout * self.mask",
                    "return dout * (self.rng.random(dout.shape) > self.dropout_ratio)",
                )
            ],
            {"a4_dropout_backward"},
        ),
        "dropout_writes_into_dout": (
            "04_optimizers",
            [
                (
                    "a4_dropout_code",
                    "return dout * self.mask",
                    "dout[~self.mask] = 0\n        return dout",
                )
            ],
            {"a4_dropout_backward"},
        ),
        "bn_dbeta_mean": (
            "04_optimizers",
            [
                (
                    "a4_bn_code",
                    "self.dbeta = dout.sum(axis=0)",
                    "self.dbeta = dout.sum(axis=0) / self.batch_size",
                )
            ],
            {"a4_bn_dgamma_dbeta"},
        ),
        "bn_dgamma_uses_xc": (
            "04_optimizers",
            [("a4_bn_code", "np.sum(self.xn * dout, axis=0)", "np.sum(self.xc * dout, axis=0)")],
            {"a4_bn_dgamma_dbeta"},
        ),
        "bn_dx_not_reshaped": (
            "04_optimizers",
            [("a4_bn_code", "return dx.reshape(self.input_shape)", "return dx")],
            {"a4_bn_dx"},
        ),
        "bn_forgets_variance_path": (
            "04_optimizers",
            [
                (
                    "a4_bn_code",
                    "dxc = dxc + (2.0 / self.batch_size) * self.xc * dvar",
                    "dxc = dxc + 0 * dvar",
                )
            ],
            {"a4_bn_dx"},
        ),
        "sgd_from_dlfs": (
            "04_optimizers",
            [
                (
                    "a4_sgd_momentum_code",
                    "class SGD:",
                    "from dlfs.optimizers import SGD\n\n\nclass _Unused:",
                )
            ],
            {"a4_sgd"},  # Momentum, written in the same cell after the import, keeps its point
        ),
        "dropout_touches_global_state": (
            "04_optimizers",
            [
                (
                    "a4_dropout_code",
                    "            self.mask = self.rng.random(x.shape)",
                    "            np.random.random()\n            self.mask = self.rng.random(x.shape)",
                )
            ],
            {"a4_dropout_forward"},
        ),
    }
)
MORE_BUGS["sgd_rebinds_params"] = (
    "04_optimizers",
    [
        (
            "a4_sgd_momentum_code",
            "        for key in params:\n            params[key] -= self.lr * grads[key]",
            "        params = {key: params[key] - self.lr * grads[key] for key in params}",
        )
    ],
    {"a4_sgd"},
)
# Works in Jupyter, where the test cell above has set a global x with the same values; when
# graded, the cells run without the test cells and x does not exist.
MORE_BUGS["relu_uses_test_cell_x"] = (
    "03_backprop",
    [("a3_relu_code", "return dout * self.mask", "return dout * (x > 0)")],
    {"a3_relu_backward"},
)
# The textbook's loss: log(softmax(x) + 1e-7) instead of log-probabilities (log-sum-exp).
MORE_BUGS["softmax_loss_log_plus_delta"] = (
    "03_backprop",
    [
        (
            "a3_swl_code",
            "self.loss = -float(np.sum(log_y[np.arange(n), t])) / n",
            "self.loss = -float(np.sum(np.log(self.y[np.arange(n), t] + 1e-7))) / n",
        )
    ],
    {"a3_swl_forward"},
)
# arg_max kept in the output's layout (N, C, out_h, out_w) instead of the rows' order;
# backward still works, so only the forward part (which checks arg_max) is lost.
MORE_BUGS["pool_arg_max_in_output_layout"] = (
    "05_cnn",
    [
        (
            "a5_pool_code",
            "self.arg_max = arg_max  # one per row, in the order (N, out_h, out_w, C)",
            "self.arg_max = arg_max.reshape(n, out_h, out_w, c).transpose(0, 3, 1, 2)",
        ),
        (
            "a5_pool_code",
            "dmax[np.arange(flat.size), self.arg_max] = flat",
            "dmax[np.arange(flat.size), self.arg_max.transpose(0, 2, 3, 1).reshape(-1)] = flat",
        ),
    ],
    {"a5_pool_forward"},
)

# No double jeopardy: a bug in a function that another graded part calls costs only its own
# parts, because that part is checked with the course's version of the callee.
MORE_BUGS["gradient_first_axis_only"] = (
    "02_numerical_gradient",
    MORE_BUGS["gradient_first_axis_only"][1],
    {"a2_gradient_nd"},  # gradient_descent, which calls it, keeps its points
)
MORE_BUGS["gradient_from_dlfs"] = (
    "02_numerical_gradient",
    MORE_BUGS["gradient_from_dlfs"][1],
    {"a2_gradient_1d", "a2_gradient_nd", "a2_gradient_restores"},
)
MORE_BUGS["gradient_never_restores"] = (
    "02_numerical_gradient",
    [("a2_numerical_gradient_code", "        x[idx] = original  #", "        pass  #")],
    {"a2_gradient_1d", "a2_gradient_nd", "a2_gradient_restores"},
)
MORE_BUGS["gradient_via_forward_difference"] = (
    "02_numerical_gradient",
    [
        (
            "a2_numerical_diff_code",
            "return (f(x + h) - f(x - h)) / (2 * h)",
            "return (f(x + h) - f(x)) / h",
        ),
        (
            "a2_numerical_gradient_code",
            "grad[idx] = (f_plus - f_minus) / (2 * h)",
            "def along(t, idx=idx, original=original):\n            x[idx] = t\n            value = f(x)\n            x[idx] = original\n            return value\n\n        grad[idx] = numerical_diff(along, original, h)",
        ),
    ],
    {"a2_numerical_diff"},  # numerical_gradient, which calls it, keeps its points
)
MORE_BUGS["im2col_ignores_pad"] = (
    "05_cnn",
    [
        (
            "a5_im2col_code",
            "padded = np.pad(input_data, ((0, 0), (0, 0), (pad, pad), (pad, pad)))",
            "padded = input_data",
        )
    ],
    {"a5_im2col_shape", "a5_im2col_values"},  # Convolution and Pooling keep their points
)
# The textbook's backward ignores dout; the notebook says backward(dout=1) multiplies by it.
MORE_BUGS["softmax_loss_ignores_dout"] = (
    "03_backprop",
    [("a3_swl_code", "return dx * dout / n", "return dx / n")],
    {"a3_swl_backward"},
)
