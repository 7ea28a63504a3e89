# mclust's default model search, Mclust(x) (G = 1:9, models "E" and "V" in one dimension),
# on one column of many CSV files in one R process, so that R and mclust start once.
#
#   Rscript bench/mclust-fit.R LIST OUT [COLUMN]
#
# LIST: one CSV path a line. OUT: a tab-separated table, one line per file: file, status
# ("ok", "null" when Mclust returns NULL, "error"), seconds (Mclust alone, not the reading),
# G, model ("E", "V", or "X" for G = 1), bic (mclust's sign: 2 loglik - p ln n, larger is
# better), loglik, n, then the weights, means and sds of the components (comma-separated,
# 17 significant digits), and the error message. Progress "mclust i/N" on stderr.
# NAs in the column are dropped (as em-fit's --missing skip).
suppressPackageStartupMessages(library(mclust))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2) stop("usage: Rscript bench/mclust-fit.R LIST OUT [COLUMN]")
files <- readLines(args[1])
files <- files[nzchar(files)]
column <- if (length(args) >= 3) args[3] else "x"

num <- function(v) paste(sprintf("%.17g", v), collapse = ",")
out <- file(args[2], "w")
writeLines(paste(c("file", "status", "seconds", "G", "model", "bic", "loglik", "n",
                   "weights", "means", "sds", "error"), collapse = "\t"), out)
for (i in seq_along(files)) {
  f <- files[i]
  x <- read.csv(f, check.names = FALSE)[[column]]
  x <- x[!is.na(x)]
  fit <- NULL
  message <- ""
  seconds <- system.time(
    fit <- tryCatch(suppressWarnings(Mclust(x, verbose = FALSE)),
                    error = function(e) { message <<- conditionMessage(e); NULL })
  )[["elapsed"]]
  if (is.null(fit)) {
    status <- if (nzchar(message)) "error" else "null"
    line <- c(f, status, sprintf("%.3f", seconds), rep("", 8), gsub("[\t\n]", " ", message))
  } else {
    p <- fit$parameters
    sds <- sqrt(rep_len(p$variance$sigmasq, fit$G))
    weights <- if (is.null(p$pro)) 1 else p$pro
    line <- c(f, "ok", sprintf("%.3f", seconds), fit$G, fit$modelName,
              sprintf("%.17g", fit$bic), sprintf("%.17g", fit$loglik), fit$n,
              num(weights), num(p$mean), num(sds), "")
  }
  writeLines(paste(line, collapse = "\t"), out)
  cat(sprintf("mclust %d/%d\n", i, length(files)), file = stderr())
}
close(out)
