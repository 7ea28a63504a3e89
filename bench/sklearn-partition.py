"""scikit-learn's GaussianMixture on the one-column benchmark's data (id, x, start), from the
same start as `em-fit --init start` (the M-step on the partition: each label's share, mean
and variance) and at a matched tolerance, for bench/bench.mjs: the work of the 'fit' case,
as a Python user does it, pandas.read_csv included.

sklearn stops when the change of the mean log-likelihood per row is below tol; em-fit when
|Δℓ| ≤ rtol |ℓ|: tol = rtol |ℓ| / n makes them the same rule. reg_covar = 0: em-fit adds
nothing to the variances (its floor does not bind here).

  /usr/bin/python3 bench/sklearn-partition.py FILE RTOL LOGLIK_PER_ROW
Prints one JSON line: read and fit seconds, iterations, the log-likelihood.
"""
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.mixture import GaussianMixture

path, rtol, per_row = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
t0 = time.perf_counter()
frame = pd.read_csv(path)
x = frame['x'].to_numpy().reshape(-1, 1)
labels = frame['start'].to_numpy()
t1 = time.perf_counter()
codes = np.unique(labels)
weights = np.array([(labels == c).mean() for c in codes])
means = np.array([[x[labels == c, 0].mean()] for c in codes])
precisions = np.array([[[1 / x[labels == c, 0].var()]] for c in codes])
gm = GaussianMixture(n_components=len(codes), covariance_type='full', tol=rtol * abs(per_row), reg_covar=0, max_iter=1000,
                     weights_init=weights, means_init=means, precisions_init=precisions)
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    gm.fit(x)
t2 = time.perf_counter()
print(json.dumps({'read': t1 - t0, 'fit': t2 - t1, 'iterations': int(gm.n_iter_), 'loglik': float(gm.score(x) * len(x)), 'converged': bool(gm.converged_)}))
