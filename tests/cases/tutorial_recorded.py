"""What each code block of tutorial_code.py printed under MindSpore 2.10, for test_tutorials.py (issue 24). Produced by tests/support/record_tutorials.py
with MindSpore 2.10.0 CPU, Python 3.11.7, 2026-12-03.
Per page, a list per mode ("BOTH" where PYNATIVE_MODE and GRAPH_MODE printed the same): a block's
text, or ("raises", exception type, what it printed before, message) for a block that raised.
"""
# flake8: noqa
RECORDED = {'beginner_autograd': {'BOTH': ['',
                                '',
                                '',
                                '1.3423151\n',
                                '',
                                '(Tensor(shape=[5, 3], dtype=Float32, value=\n'
                                '[[ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02]]), Tensor(shape=[3], '
                                'dtype=Float32, value= [ 3.26189250e-01,  1.58914644e-02,  '
                                '4.21645455e-02]))\n',
                                '',
                                '(Tensor(shape=[5, 3], dtype=Float32, value=\n'
                                '[[ 1.32618928e+00,  1.01589143e+00,  1.04216456e+00],\n'
                                ' [ 1.32618928e+00,  1.01589143e+00,  1.04216456e+00],\n'
                                ' [ 1.32618928e+00,  1.01589143e+00,  1.04216456e+00],\n'
                                ' [ 1.32618928e+00,  1.01589143e+00,  1.04216456e+00],\n'
                                ' [ 1.32618928e+00,  1.01589143e+00,  1.04216456e+00]]), Tensor(shape=[3], '
                                'dtype=Float32, value= [ 1.32618928e+00,  1.01589143e+00,  '
                                '1.04216456e+00]))\n',
                                '',
                                '(Tensor(shape=[5, 3], dtype=Float32, value=\n'
                                '[[ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02]]), Tensor(shape=[3], '
                                'dtype=Float32, value= [ 3.26189250e-01,  1.58914644e-02,  '
                                '4.21645455e-02]))\n',
                                '',
                                '(Tensor(shape=[5, 3], dtype=Float32, value=\n'
                                '[[ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02]]), Tensor(shape=[3], '
                                'dtype=Float32, value= [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02])) '
                                '[ 3.8211915 -2.994512  -1.932323 ]\n',
                                '',
                                '',
                                '',
                                '',
                                '(Tensor(shape=[5, 3], dtype=Float32, value=\n'
                                '[[ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02],\n'
                                ' [ 3.26189250e-01,  1.58914644e-02,  4.21645455e-02]]), Tensor(shape=[3], '
                                'dtype=Float32, value= [ 3.26189250e-01,  1.58914644e-02,  '
                                '4.21645455e-02]))\n']},
 'high_order_first_order_single': {'BOTH': ['[[0.11 1.1  1.1 ]\n [0.   0.   0.  ]]\n']},
 'high_order_first_order_input': {'BOTH': ['[[4.5099998 2.7       3.6000001]\n'
                                           ' [4.5099998 2.7       3.6000001]]\n']},
 'high_order_first_order_weight': {'BOTH': ['(Tensor(shape=[1], dtype=Float32, value= [ '
                                            '2.15359993e+01]),)\n']},
 'high_order_first_order_sense': {'BOTH': ['[[2.211     0.51      1.4900001]\n'
                                           ' [5.588     2.68      4.07     ]]\n']},
 'high_order_single_in_single_out': {'BOTH': ['[-0.84147096]\n']},
 'high_order_single_in_multiple_out': {'BOTH': ['[2. 2. 2.]\n']},
 'high_order_multiple_in_multiple_out': {'BOTH': ['[10.] [8.] [8.] [0.]\n']},
 'derivation': {'BOTH': ['',
                         '(Tensor(shape=[1], dtype=Float32, value= [ 3.00000000e+01]), Tensor(shape=[1], '
                         'dtype=Float32, value= [ 9.00000000e+00]))\n',
                         '(Tensor(shape=[1], dtype=Float32, value= [ 4.50000000e+01]),)\n',
                         '16 (16, 1)\n',
                         '[5.]\n',
                         '[10.]\n',
                         '[-0.]\n',
                         '[1.]\n',
                         '[1.]\n[-1.]\n']},
 'migration_gradient': {'BOTH': ['',
                                 '=== mindspore.grad ===\nout 2.0\nout1 1.0\n',
                                 '=== mindspore.grad multiple outputs ===\nout 3.0\nout1 3.0\n',
                                 '=== mindspore.grad has_aux ===\nout 2.0\nout 1.0\n',
                                 '=== weight ===\n'
                                 'name: fc.weight data: [[2. 3. 4.]]\n'
                                 '=== output ===\n'
                                 '1.0 20.0\n',
                                 '=== grads 1 ===\n'
                                 'grad [[4. 6. 8.]]\n'
                                 'logit (Tensor(shape=[], dtype=Float32, value= 20),)\n',
                                 '=== grads 2 ===\n'
                                 'grad -2.0\n'
                                 'logit (Tensor(shape=[], dtype=Float32, value= 20),)\n',
                                 '=== grads 3 ===\n'
                                 'grad (Tensor(shape=[1, 3], dtype=Float32, value=\n'
                                 '[[ 4.00000000e+00,  6.00000000e+00,  8.00000000e+00]]), Tensor(shape=[], '
                                 'dtype=Float32, value= -2))\n'
                                 'logit (Tensor(shape=[], dtype=Float32, value= 20),)\n',
                                 '=== grads 4 ===\n'
                                 'grad (Tensor(shape=[1, 3], dtype=Float32, value=\n'
                                 '[[ 2.00000000e+00,  4.00000000e+00,  6.00000000e+00]]),)\n'
                                 'logits (Tensor(shape=[], dtype=Float32, value= 20),)\n',
                                 '=== grads 5 ===\n'
                                 'grad (Tensor(shape=[1, 3], dtype=Float32, value=\n'
                                 '[[ 4.00000000e+00,  6.00000000e+00,  8.00000000e+00]]), (Tensor(shape=[1, '
                                 '3], dtype=Float32, value=\n'
                                 '[[ 2.00000000e+00,  4.00000000e+00,  6.00000000e+00]]),))\n'
                                 'logit (Tensor(shape=[], dtype=Float32, value= 20),)\n',
                                 '=== grads 6 ===\n'
                                 'grad ((Tensor(shape=[1, 3], dtype=Float32, value=\n'
                                 '[[ 4.00000000e+00,  6.00000000e+00,  8.00000000e+00]]), Tensor(shape=[], '
                                 'dtype=Float32, value= -2)), (Tensor(shape=[1, 3], dtype=Float32, value=\n'
                                 '[[ 2.00000000e+00,  4.00000000e+00,  6.00000000e+00]]),))\n'
                                 'logit (Tensor(shape=[], dtype=Float32, value= 20),)\n',
                                 '=== grads 7 ===\ngrad [[ 6.  9. 12.]]\n',
                                 'grad [[ 6.  9. 12.]]\n',
                                 ('raises', 'ValueError', '=== grads 8 ===\n'),
                                 '=== value and grad ===\n'
                                 'value (Tensor(shape=[], dtype=Float32, value= 1), Tensor(shape=[], '
                                 'dtype=Float32, value= 20))\n'
                                 'grad ((Tensor(shape=[1, 3], dtype=Float32, value=\n'
                                 '[[ 4.00000000e+00,  6.00000000e+00,  8.00000000e+00]]), Tensor(shape=[], '
                                 'dtype=Float32, value= -2)), (Tensor(shape=[1, 3], dtype=Float32, value=\n'
                                 '[[ 2.00000000e+00,  4.00000000e+00,  6.00000000e+00]]),))\n']},
 'jacobians_hessians': {'PYNATIVE': ['',
                                     '',
                                     '(16, 16)\n'
                                     '[ 0.01971892 -0.08302981  0.04596835  0.04415332 -0.07098779  '
                                     '0.05549163\n'
                                     ' -0.03951715 -0.08426405  0.04248245 -0.09561317 -0.00644335 '
                                     '-0.16932409\n'
                                     '  0.00859953 -0.07133854  0.06807184 -0.1841504 ]\n',
                                     '',
                                     ('raises',
                                      'RuntimeError',
                                      '',
                                      'For grad interface or custom function, grad tensor should be '
                                      'broadcast to expected shape, but got [const vector]{} vs [const '
                                      'vector]{16}'),
                                     ('raises',
                                      'NameError',
                                      '',
                                      "name 'compute_jac_matrix_cost_time' is not defined"),
                                     '(16, 16, 16)\n(16, 16)\n',
                                     '',
                                     '(128,)\n',
                                     '(128,)\n',
                                     ''],
                        'GRAPH': ['',
                                  '',
                                  '(16, 16)\n'
                                  '[ 0.01971892 -0.08302981  0.04596835  0.04415332 -0.07098779  0.05549163\n'
                                  ' -0.03951715 -0.08426405  0.04248245 -0.09561317 -0.00644335 -0.16932409\n'
                                  '  0.00859953 -0.07133854  0.06807184 -0.1841504 ]\n',
                                  ('raises', 'AssertionError', '', ''),
                                  ('raises',
                                   'ValueError',
                                   '',
                                   'Rank of x(1) and dout(0) not equal, primitive name: TanhGrad.'),
                                  ('raises',
                                   'NameError',
                                   '',
                                   "name 'compute_jac_matrix_cost_time' is not defined"),
                                  '(16, 16, 16)\n(16, 16)\n',
                                  '',
                                  '(128,)\n',
                                  '(128,)\n',
                                  '']}}
