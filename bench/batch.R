# The batch of bench/batch.mjs in R: one R process looping over the files, each read with
# data.table's fread and fitted by Mclust(x, G = 1:4) (models E and V, mclust's default
# for one dimension). Prints "files N seconds S" (the loop alone, R's start-up apart).
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages({ library(mclust); library(data.table) })
files <- readLines(args[1])
start <- proc.time()[["elapsed"]]
for (f in files) {
  x <- fread(f)$x
  fit <- Mclust(x, G = 1:4, verbose = FALSE)
}
cat(sprintf("files %d seconds %.3f\n", length(files), proc.time()[["elapsed"]] - start))
