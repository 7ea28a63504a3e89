"""
Reference values for linalg.test.ts, computed with mpmath at 60 significant digits from the
exact doubles of each matrix (mpmath.eigsy, mpmath.cholesky, mpmath.inverse, mpmath.det),
then rounded to the nearest double. The matrices themselves are drawn with numpy.

Regenerate: python3 test/models/mvgaussian/linalg-reference.py > test/models/mvgaussian/linalg-reference.json
"""
import json

import mpmath as mp
import numpy as np

mp.mp.dps = 60
rng = np.random.default_rng(20240613)


def orthogonal(d):
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def symmetric(a):
    a = np.asarray(a, dtype=float)
    return (a + a.T) / 2


def spectral(values):
    q = orthogonal(len(values))
    return symmetric(q @ np.diag(values) @ q.T)


def reference(name, a, note):
    d = a.shape[0]
    m = mp.matrix([[mp.mpf(float(v)) for v in row] for row in a])
    e, q = mp.eigsy(m)
    order = sorted(range(d), key=lambda j: -e[j])
    values = [float(e[j]) for j in order]
    vectors = [[float(q[i, j]) for j in order] for i in range(d)]
    chol = mp.cholesky(m)
    inv = mp.inverse(m)
    return {
        "name": name,
        "note": note,
        "d": d,
        "a": [float(v) for v in a.reshape(-1)],
        "values": values,
        "vectors": [v for row in vectors for v in row],
        "cholesky": [float(chol[i, j]) for i in range(d) for j in range(d)],
        "inverse": [float(inv[i, j]) for i in range(d) for j in range(d)],
        "logdet": float(mp.log(mp.det(m))),
        "condition": float(max(e) / min(e)),
    }


b = rng.standard_normal((5, 5))
graded_h = spectral([4.0, 2.0, 1.5, 1.0])
scale = np.array([1.0, 1e-2, 1e-4, 1e-6])
cases = [
    reference("spd5", symmetric(b @ b.T + np.eye(5)), "B Bᵀ + I with B standard normal"),
    reference("illcond6", spectral(np.logspace(0, -12, 6)), "Q diag(1, 1e-2.4, …, 1e-12) Qᵀ, condition 1e12"),
    reference("graded4", symmetric(scale[:, None] * graded_h * scale[None, :]), "D H D, D = diag(1, 1e-2, 1e-4, 1e-6), H of condition 4: condition ~1e12, graded"),
    reference("clustered4", spectral([2.0, 2.0 - 1e-9, 1.0, 1.0 - 1e-9]), "two pairs of eigenvalues 1e-9 apart"),
]
print(json.dumps({"source": "mpmath %s at %d digits; test/models/mvgaussian/linalg-reference.py" % (mp.__version__, mp.mp.dps), "cases": cases}, indent=1))
