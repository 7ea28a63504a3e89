# Reference values for the covariance M-steps and the EM runs of test/models/mvgaussian/:
# R's mclust on iris (150 × 4) and faithful (272 × 2), for its fourteen covariance models,
# from three starts:
#   iris-species       z = the species, hard 0/1
#   iris-rough         a soft z: 0.7 on a crude partition by petal and sepal length plus
#                      0.3 spread by a seeded Dirichlet(1, 1, 1) draw (z is stored)
#   faithful-waiting68 z = (waiting ≤ 68, waiting > 68), hard 0/1
# For each start and model it stores
#   mstep: mclust's mstep(modelName, data, z) — sigma, mean, pro — with its inner iterations
#          run to tol 1e-15 (at most 1e5), the M-step objective
#          Σ_k [−½ N_k log|Σ_k| − ½ tr(Σ_k⁻¹ W_k)] of that sigma computed here in plain R,
#          and ℓ at those parameters (mclust's estep);
#   me:    mclust's me(modelName, data, z) at tolerance 1e-13 (outer) and 1e-15 (inner):
#          ℓ, iterations, sigma, mean, pro.
# Numbers are written with 17 significant digits, so that they read back as the same doubles.
#
# Regenerate (R ≥ 4 with mclust 6.0.0, about a minute):
#   Rscript test/models/mvgaussian/mclust-reference.R > test/models/mvgaussian/mclust-reference.json

suppressPackageStartupMessages(library(mclust))

num <- function(x) {
  if (length(x) == 1 && is.na(x)) return("null")
  ifelse(is.finite(x), sprintf("%.17g", x), "null")
}
json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (!is.null(names(x))) {
      keys <- names(x)
      return(paste0("{", paste0('"', keys, '":', vapply(x, json, ""), collapse = ","), "}"))
    }
    return(paste0("[", paste(vapply(x, json, ""), collapse = ","), "]"))
  }
  if (is.character(x)) return(if (length(x) == 1) paste0('"', x, '"') else paste0("[", paste0('"', x, '"', collapse = ","), "]"))
  if (is.logical(x)) return(if (length(x) == 1) tolower(as.character(x)) else paste0("[", paste(tolower(as.character(x)), collapse = ","), "]"))
  v <- num(as.vector(x))
  if (length(x) == 1 && is.null(dim(x))) v else paste0("[", paste(v, collapse = ","), "]")
}

# Row-major flattening: sigma[, , k] for k = 1..G one after the other; mean as G rows of d.
flat_sigma <- function(sigma) unlist(lapply(seq_len(dim(sigma)[3]), function(k) as.vector(t(sigma[, , k]))))
flat_mean <- function(mean) as.vector(mean)  # d × G column-major = G rows of d

objective <- function(X, z, sigma) {
  total <- 0
  for (k in seq_len(ncol(z))) {
    nk <- sum(z[, k])
    mu <- colSums(z[, k] * X) / nk
    centred <- sweep(X, 2, mu)
    W <- crossprod(sqrt(z[, k]) * centred)
    S <- sigma[, , k]
    total <- total - 0.5 * nk * as.numeric(determinant(S, logarithm = TRUE)$modulus) - 0.5 * sum(solve(S) * W)
  }
  total
}

X_iris <- as.matrix(iris[, 1:4])
X_faithful <- as.matrix(faithful)

set.seed(13)
crude <- ifelse(iris$Petal.Length < 2.5, 1, ifelse(iris$Sepal.Length < 6.2, 2, 3))
spread <- matrix(rgamma(150 * 3, shape = 1), 150, 3)
spread <- spread / rowSums(spread)
z_rough <- 0.7 * unmap(crude) + 0.3 * spread

starts <- list(
  list(name = "iris-species", data = "iris", z = unmap(iris$Species)),
  list(name = "iris-rough", data = "iris", z = z_rough),
  list(name = "faithful-waiting68", data = "faithful", z = unmap(ifelse(faithful$waiting > 68, 2, 1)))
)
datasets <- list(iris = X_iris, faithful = X_faithful)
models <- c("EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "VEE", "EVE", "VVE", "EEV", "VEV", "EVV", "VVV")
inner <- emControl(tol = c(1e-13, 1e-15), itmax = c(100000L, 100000L))

cases <- lapply(starts, function(s) {
  X <- datasets[[s$data]]
  z <- s$z
  per_model <- lapply(models, function(m) {
    ms <- mstep(data = X, modelName = m, z = z, control = inner)
    p <- ms$parameters
    es <- estep(data = X, modelName = m, parameters = p)
    fit <- me(data = X, modelName = m, z = z, control = inner)
    list(
      model = m,
      nVarParams = nVarParams(m, d = ncol(X), G = ncol(z)),
      mstep = list(
        sigma = flat_sigma(p$variance$sigma),
        mean = flat_mean(p$mean),
        pro = p$pro,
        objective = objective(X, z, p$variance$sigma),
        loglik = es$loglik,
        innerIterations = if (is.null(attr(ms, "info"))) 0 else as.numeric(attr(ms, "info")[[1]])
      ),
      me = list(
        loglik = fit$loglik,
        iterations = as.numeric(attr(fit, "info")[[1]]),
        sigma = flat_sigma(fit$parameters$variance$sigma),
        mean = flat_mean(fit$parameters$mean),
        pro = fit$parameters$pro,
        returnCode = attr(fit, "returnCode")
      )
    )
  })
  names(per_model) <- models
  list(name = s$name, data = s$data, G = ncol(z), z = as.vector(t(z)), models = per_model)
})

cat(json(list(
  source = paste0("R ", getRversion(), ", mclust ", packageVersion("mclust"), "; test/models/mvgaussian/mclust-reference.R"),
  data = list(
    iris = list(columns = colnames(X_iris), n = nrow(X_iris), x = as.vector(t(X_iris))),
    faithful = list(columns = colnames(X_faithful), n = nrow(X_faithful), x = as.vector(t(X_faithful)))
  ),
  cases = cases
)), "\n")
