#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fits the coefficients of assembly/activations.ts's erfc for the exact GELU.

    /usr/bin/python3 scripts/fit-gelu-erfc.py      (needs python3-numpy and python3-mpmath)

½·erfc(z) = t·e^(−z²)·H(t) with t = 1/(1 + p·z), p = 0.4 (z = |x|/√2). H is a degree-8
polynomial fitted to ½·erfc(z)·e^(z²)/t over t in (0, 1] in relative error, by Lawson's
reweighted least squares towards the minimax fit; printed as float32 values, low degree
first, with the largest relative error of the float32 evaluation on |x| ≤ 13.
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 30
P, DEGREE, NODES = 0.4, 8, 400


def target(t):
    """½·erfc(z)·e^(z²)/t at z = (1/t − 1)/P (its limit 1/(2√π)·P at t = 0)."""
    if t == 0:
        return 0.5 / mp.sqrt(mp.pi) * P
    z = (1 / mp.mpf(t) - 1) / P
    return float(0.5 * mp.erfc(z) * mp.exp(z * z) / mp.mpf(t))


def fit():
    t = 0.5 * (1 - np.cos(np.pi * (np.arange(NODES) + 0.5) / NODES))  # Chebyshev nodes on [0, 1]
    y = np.array([target(v) for v in t])
    w = np.ones(NODES)
    for _ in range(60):
        a = np.vander(t, DEGREE + 1, increasing=True) / y[:, None]
        c, *_ = np.linalg.lstsq(a * np.sqrt(w)[:, None], np.sqrt(w), rcond=None)
        e = np.abs(a @ c - 1)
        w = w * e
        w /= w.sum()
    return c.astype(np.float32)


def worst(c):
    x = np.abs(np.linspace(-13, 13, 8001).astype(np.float32))
    t = np.float32(1) / (np.float32(1) + x * np.float32(P / np.sqrt(2)))
    h = np.zeros_like(t)
    for k in reversed(range(len(c))):
        h = h * t + c[k]
    got = t * np.exp(np.float32(-0.5) * x * x).astype(np.float32) * h
    ref = np.array([float(0.5 * mp.erfc(mp.mpf(float(v)) / mp.sqrt(2))) for v in x])
    m = ref > 1e-37
    return np.max(np.abs(got[m] / ref[m] - 1))


c = fit()
print([float(v) for v in c])
print(f"largest relative error on |x| <= 13: {worst(c):.2e}")
