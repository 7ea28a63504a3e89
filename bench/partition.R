# The work of em-fit's partition benchmark in R (bench/bench.mjs), for a comparison in the
# same run: data.table's fread reads the file, mclust's me() runs EM with unequal variances
# ("V") from the partition in column `start` for exactly ITERATIONS iterations (em-fit's
# count: tol 0, so that both do the same work), and the responsibilities are written as
# em-fit writes them: CSV (the input's columns, the probabilities and the component, by
# fwrite) or JSON (an array per row, by jsonlite with 15 significant digits).
#
#   Rscript bench/partition.R FILE ITERATIONS read|fit|json|csv OUT
#
# Prints one line on stdout: read, fit and write seconds, and the log-likelihood.
suppressPackageStartupMessages({
  library(data.table)
  library(mclust)
})
args <- commandArgs(trailingOnly = TRUE)
file <- args[1]
iterations <- as.integer(args[2])
mode <- args[3]
out <- args[4]

clock <- function() proc.time()[["elapsed"]]
t0 <- clock()
d <- fread(file)
t1 <- clock()
fit_seconds <- 0
write_seconds <- 0
loglik <- NA
if (mode != "read") {
  fit <- me(modelName = "V", data = d$x, z = unmap(d$start), control = emControl(itmax = iterations, tol = c(0, 0)))
  loglik <- fit$loglik
  t2 <- clock()
  fit_seconds <- t2 - t1
  if (mode == "csv") {
    z <- as.data.table(fit$z)
    setnames(z, paste0("p_", seq_len(ncol(z))))
    fwrite(cbind(d, z, component = max.col(fit$z, ties.method = "first")), out)
  } else if (mode == "json") {
    jsonlite::write_json(list(responsibilities = fit$z, classification = max.col(fit$z, ties.method = "first")), out, digits = 15)
  }
  write_seconds <- clock() - t2
}
cat(sprintf("read %.3f fit %.3f write %.3f loglik %.6f\n", t1 - t0, fit_seconds, write_seconds, loglik))
