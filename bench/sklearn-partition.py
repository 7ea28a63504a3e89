"""scikit-learn's GaussianMixture (covariance_type 'full') from the same start as
`em-fit --init LABEL` (the M-step on the partition: each label's share, mean and covariance)
and at a matched tolerance, as a Python user runs it, pandas.read_csv included: the work of
bench/bench.mjs's 'fit' case (one column) and of bench/mv.mjs (several).

sklearn stops when the change of the mean log-likelihood per row is below tol; em-fit when
|Δℓ| ≤ rtol |ℓ|: tol = rtol |ℓ| / n makes them the same rule. reg_covar = 0: em-fit adds
nothing to the covariances (its floor does not bind here).

  /usr/bin/python3 bench/sklearn-partition.py FILE RTOL LOGLIK_PER_ROW LABEL COLUMN [COLUMN ...]
Prints one JSON line: read and fit seconds, iterations, the log-likelihood.
"""
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.mixture import GaussianMixture

path, rtol, per_row, label, columns = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5:]
t0 = time.perf_counter()
frame = pd.read_csv(path)
x = frame[columns].to_numpy()
labels = frame[label].to_numpy()
t1 = time.perf_counter()
codes = np.unique(labels)
weights = np.array([(labels == c).mean() for c in codes])
means = np.array([x[labels == c].mean(axis=0) for c in codes])
precisions = np.array([np.linalg.inv(np.atleast_2d(np.cov(x[labels == c].T, bias=True))) for c in codes])
gm = GaussianMixture(n_components=len(codes), covariance_type='full', tol=rtol * abs(per_row), reg_covar=0, max_iter=1000,
                     weights_init=weights, means_init=means, precisions_init=precisions)
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    gm.fit(x)
t2 = time.perf_counter()
print(json.dumps({'read': t1 - t0, 'fit': t2 - t1, 'iterations': int(gm.n_iter_), 'loglik': float(gm.score(x) * len(x)), 'converged': bool(gm.converged_)}))
