"""scikit-learn's GaussianMixture (covariance_type 'full') on the multivariate benchmark's data,
from the same start as em-fit --init start (the M-step on the partition: weights, means and
precisions of each label's rows) and at a matched tolerance, for bench/mv.mjs.

sklearn stops when the change of the mean log-likelihood per row is below tol; em-fit when
|Δℓ| ≤ rtol |ℓ|: tol = rtol |ℓ| / n makes them the same rule. reg_covar = 0: em-fit adds
nothing to the covariances (its floor does not bind here).

  /usr/bin/python3 bench/sklearn-mv.py FILE D RTOL LOGLIK_PER_ROW
Prints one JSON line: read and fit seconds, iterations, the log-likelihood.
"""
import json
import sys
import time
import warnings

import numpy as np
from sklearn.mixture import GaussianMixture

path, d, rtol, per_row = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
t0 = time.perf_counter()
data = np.loadtxt(path, delimiter=',', skiprows=1)
x = data[:, :d]
labels = data[:, d].astype(int) - 1
t1 = time.perf_counter()
k = labels.max() + 1
weights = np.array([(labels == j).mean() for j in range(k)])
means = np.array([x[labels == j].mean(axis=0) for j in range(k)])
precisions = np.array([np.linalg.inv(np.cov(x[labels == j].T, bias=True)) for j in range(k)])
gm = GaussianMixture(n_components=k, covariance_type='full', tol=rtol * abs(per_row), reg_covar=0, max_iter=1000,
                     weights_init=weights, means_init=means, precisions_init=precisions)
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    gm.fit(x)
t2 = time.perf_counter()
print(json.dumps({'read': t1 - t0, 'fit': t2 - t1, 'iterations': int(gm.n_iter_), 'loglik': float(gm.score(x) * len(x)), 'converged': bool(gm.converged_)}))
