"""
scikit-learn's GaussianMixture on iris (the four measurements) from the species partition,
for the four covariance types it shares with mclust (spherical = VII, diag = VVI,
tied = EEE, full = VVV): the start is the M-step on the hard partition (weights, means and
the covariance of each type), reg_covar = 0, tol = 1e-14, so that EM runs to its fixed
point. Writes sklearn-iris.json beside this file: per type the converged log-likelihood
(score × n), weights and means, in the species' order of first appearance.

  /usr/bin/python3 test/models/mvgaussian/sklearn-iris.py   (Debian's scikit-learn 1.2.1)
"""
import json, os
import numpy as np
import sklearn
from sklearn.mixture import GaussianMixture

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, '..', '..', '..')
rows = [l.strip().split(',') for l in open(os.path.join(root, 'fixtures', 'iris.csv'))][1:]
X = np.array([[float(v) for v in r[:4]] for r in rows])
labels = [r[4].strip('"') for r in rows]
names = list(dict.fromkeys(labels))
z = np.array([[1.0 if l == name else 0.0 for name in names] for l in labels])
n, d = X.shape
K = len(names)
nk = z.sum(0)
weights = nk / n
means = (z.T @ X) / nk[:, None]
covs = np.array([((X - means[k]).T * z[:, k]) @ (X - means[k]) / nk[k] for k in range(K)])
start = {
    'full': covs,
    'tied': sum(nk[k] * covs[k] for k in range(K)) / n,
    'diag': np.array([np.diag(c) for c in covs]),
    'spherical': np.array([np.trace(c) / d for c in covs]),
}
out = {'sklearn': sklearn.__version__, 'labels': names, 'models': {}}
mclust = {'spherical': 'VII', 'diag': 'VVI', 'tied': 'EEE', 'full': 'VVV'}
for kind, cov in start.items():
    precisions = np.linalg.inv(cov) if kind in ('full', 'tied') else 1.0 / cov
    gm = GaussianMixture(K, covariance_type=kind, weights_init=weights, means_init=means, precisions_init=precisions, reg_covar=0.0, tol=1e-14, max_iter=100000)
    gm.fit(X)
    out['models'][mclust[kind]] = {'sklearn': kind, 'converged': bool(gm.converged_), 'iterations': int(gm.n_iter_), 'loglik': float(gm.score(X) * n), 'weights': gm.weights_.tolist(), 'means': gm.means_.tolist()}
json.dump(out, open(os.path.join(here, 'sklearn-iris.json'), 'w'), indent=1)
print(json.dumps({k: (v['loglik'], v['iterations'], v['converged']) for k, v in out['models'].items()}))
