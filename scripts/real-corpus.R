# Writes fixtures/real/: one CSV per one-dimensional numeric column of R's datasets, MASS and
# mclust packages, as R's write.csv(..., row.names = FALSE) writes it (R's column name, or x for
# a vector or a time series; NAs written as NA), and fixtures/real/corpus.json: per file its
# source, n (non-NA), distinct values, a one-line description, and mclust's default choice
# Mclust(x) on the non-NA values.
#
#   Rscript scripts/real-corpus.R          (from anywhere; writes next to this script's ../fixtures)
#
# Made with R 4.2.2 (2022-11-10 r83330, Debian r-base) and its datasets 4.2.2, MASS 7.3-58.2,
# mclust 6.0.0, jsonlite 1.8.4; the same versions write the same bytes. Mclust is
# deterministic (hierarchical starts), so corpus.json is too.
#
# mclust's BIC is 2 loglik - p ln n (larger is better); em-fit's is -2 loglik + p ln n (lower
# is better). corpus.json keeps mclust's value as "bic" and -1 times it as "bic_lower_better".
suppressPackageStartupMessages({
  library(MASS)
  library(mclust)
  library(jsonlite)
})

script <- sub("^--file=", "", grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE))
out_dir <- file.path(dirname(script), "..", "fixtures", "real")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
out_dir <- normalizePath(out_dir)

# name: the file is <name>.csv; column: the CSV's column; source: where the values come from;
# values: the numbers (NA kept); description: what they are and how they are recorded.
col <- function(name, column, source, values, description) {
  list(name = name, column = column, source = source, values = as.numeric(values), description = description)
}
corpus <- list(
  col("faithful_waiting", "waiting", "datasets::faithful$waiting", faithful$waiting,
      "Old Faithful, minutes to the next eruption; whole minutes (integers), many ties"),
  col("faithful_eruptions", "eruptions", "datasets::faithful$eruptions", faithful$eruptions,
      "Old Faithful, eruption time in minutes; whole seconds written as minutes with 3 decimals (269 of 272 on the 1/60 grid)"),
  col("quakes_mag", "mag", "datasets::quakes$mag", quakes$mag,
      "Richter magnitude of 1000 earthquakes near Fiji since 1964; recorded to 0.1 (22 distinct values)"),
  col("quakes_depth", "depth", "datasets::quakes$depth", quakes$depth,
      "depth of the same earthquakes in km; integers, two groups (shallow and deep)"),
  col("quakes_stations", "stations", "datasets::quakes$stations", quakes$stations,
      "number of stations reporting each of the same earthquakes; counts from 10, right-skewed"),
  col("quakes_lat", "lat", "datasets::quakes$lat", quakes$lat,
      "latitude of the same earthquakes in degrees; 2 decimals"),
  col("InsectSprays_count", "count", "datasets::InsectSprays$count", InsectSprays$count,
      "insects counted on 72 plots treated with six sprays; small counts (0 to 26), many ties"),
  col("warpbreaks_breaks", "breaks", "datasets::warpbreaks$breaks", warpbreaks$breaks,
      "warp breaks per loom, 54 looms; counts"),
  col("iris_Sepal.Length", "Sepal.Length", "datasets::iris$Sepal.Length", iris$Sepal.Length,
      "sepal length in cm of 150 irises of three species; recorded to 0.1 cm"),
  col("iris_Sepal.Width", "Sepal.Width", "datasets::iris$Sepal.Width", iris$Sepal.Width,
      "sepal width in cm of the same irises; recorded to 0.1 cm (23 distinct values)"),
  col("iris_Petal.Length", "Petal.Length", "datasets::iris$Petal.Length", iris$Petal.Length,
      "petal length in cm of the same irises; recorded to 0.1 cm, setosa well apart (bimodal)"),
  col("iris_Petal.Width", "Petal.Width", "datasets::iris$Petal.Width", iris$Petal.Width,
      "petal width in cm of the same irises; recorded to 0.1 cm (22 distinct values)"),
  col("mtcars_mpg", "mpg", "datasets::mtcars$mpg", mtcars$mpg,
      "fuel consumption of 32 cars (Motor Trend 1974), miles per US gallon; 1 decimal"),
  col("women_height", "height", "datasets::women$height", women$height,
      "average heights in inches of American women aged 30 to 39 by height class; the integers 58 to 72, each once"),
  col("precip", "x", "datasets::precip", precip,
      "average yearly precipitation in inches of 70 US cities; 1 decimal"),
  col("rivers", "x", "datasets::rivers", rivers,
      "lengths in miles of 141 major North American rivers; integers heaped on round numbers (68% multiples of 5), right-skewed"),
  col("islands", "x", "datasets::islands", islands,
      "areas in thousands of square miles of the 48 landmasses over 10,000 sq mi; integers, 12 to 16,988 (extremely skewed)"),
  col("airquality_Ozone", "Ozone", "datasets::airquality$Ozone", airquality$Ozone,
      "mean ozone in ppb, New York, May to September 1973; integers, 37 of 153 NA"),
  col("airquality_Temp", "Temp", "datasets::airquality$Temp", airquality$Temp,
      "maximum daily temperature in degrees F, New York, May to September 1973; integers"),
  col("Nile", "x", "datasets::Nile (time series)", Nile,
      "yearly flow of the Nile at Aswan 1871-1970 in 10^8 m^3; integers, serially dependent"),
  col("lynx", "x", "datasets::lynx (time series)", lynx,
      "Canadian lynx trapped per year 1821-1934; counts, right-skewed and cyclic"),
  col("sunspot.year", "x", "datasets::sunspot.year (time series)", sunspot.year,
      "yearly mean sunspot numbers 1700-1988; 1 decimal, zeros, right-skewed"),
  col("ChickWeight_weight", "weight", "datasets::ChickWeight$weight", ChickWeight$weight,
      "body weight in g of 50 chicks weighed repeatedly from birth to day 21; integers, not independent"),
  col("chickwts_weight", "weight", "datasets::chickwts$weight", chickwts$weight,
      "weight in g of 71 chicks after six weeks on six feeds; integers"),
  col("PlantGrowth_weight", "weight", "datasets::PlantGrowth$weight", PlantGrowth$weight,
      "dried weight of 30 plants in three groups; 2 decimals"),
  col("ToothGrowth_len", "len", "datasets::ToothGrowth$len", ToothGrowth$len,
      "odontoblast length of 60 guinea pigs under six vitamin C doses; 1 decimal"),
  col("morley_Speed", "Speed", "datasets::morley$Speed", morley$Speed,
      "Michelson's 1879 speed of light measurements in km/s minus 299,000; integers, all multiples of 10"),
  col("attenu_accel", "accel", "datasets::attenu$accel", attenu$accel,
      "peak ground acceleration in g, 182 records of 23 Californian earthquakes; up to 3 decimals, right-skewed"),
  col("CO2_uptake", "uptake", "datasets::CO2$uptake", CO2$uptake,
      "CO2 uptake of 12 grass plants at 7 concentrations, umol/m^2/s; 1 decimal"),
  col("USArrests_Murder", "Murder", "datasets::USArrests$Murder", USArrests$Murder,
      "murder arrests per 100,000 residents of the 50 US states, 1973; 1 decimal"),
  col("cars_dist", "dist", "datasets::cars$dist", cars$dist,
      "stopping distance in ft of 50 cars (1920s); integers"),
  col("LakeHuron", "x", "datasets::LakeHuron (time series)", LakeHuron,
      "level of Lake Huron in ft, yearly 1875-1972; 2 decimals, serially dependent"),
  col("discoveries", "x", "datasets::discoveries (time series)", discoveries,
      "great inventions and discoveries per year 1860-1959; counts 0 to 12"),
  col("galaxies", "x", "MASS::galaxies", galaxies,
      "velocities in km/s of 82 galaxies of the Corona Borealis survey (Roeder 1990); integers, all distinct, multimodal"),
  col("geyser_duration", "duration", "MASS::geyser$duration", geyser$duration,
      "Old Faithful eruption time in minutes (Azzalini and Bowman 1990); seconds / 60 stored to 7 decimals, night eruptions coded 2, 3 or 4 (heaps of 23 and 53)"),
  col("geyser_waiting", "waiting", "MASS::geyser$waiting", geyser$waiting,
      "Old Faithful minutes to the next eruption (Azzalini and Bowman 1990); integers"),
  col("mammals_brain", "brain", "MASS::mammals$brain", mammals$brain,
      "brain weight in g of 62 mammal species; up to 2 decimals, 0.14 to 5712 (log-normal-like)"),
  col("mammals_log_brain", "log_brain", "log(MASS::mammals$brain)", log(mammals$brain),
      "natural log of the brain weights above, written at 15 significant digits"),
  col("Animals_body", "body", "MASS::Animals$body", Animals$body,
      "body weight in kg of 28 species, dinosaurs included; up to 3 decimals, 0.023 to 87,000"),
  col("crabs_CL", "CL", "MASS::crabs$CL", crabs$CL,
      "carapace length in mm of 200 Leptograpsus crabs (two colour forms, two sexes); 1 decimal"),
  col("Boston_medv", "medv", "MASS::Boston$medv", Boston$medv,
      "median home value in $1000 of 506 Boston tracts (1970); 1 decimal, censored at 50 (16 tracts)"),
  col("survey_Height", "Height", "MASS::survey$Height", survey$Height,
      "heights in cm of 237 Adelaide students, 28 NA; whole cm heaped on multiples of 5, or inches times 2.54 (2 decimals)"),
  col("birthwt_bwt", "bwt", "MASS::birthwt$bwt", birthwt$bwt,
      "birth weight in g of 189 babies (Springfield, 1986); integers, 56% within 0.5 g of a whole ounce (28.35 g)"),
  col("cats_Bwt", "Bwt", "MASS::cats$Bwt", cats$Bwt,
      "body weight in kg of 144 adult cats; 1 decimal, 20 distinct values (2.0 to 3.9)"),
  col("cats_Hwt", "Hwt", "MASS::cats$Hwt", cats$Hwt,
      "heart weight in g of the same cats; 1 decimal"),
  col("chem", "x", "MASS::chem", chem,
      "24 determinations of copper in wholemeal flour, ppm; 2 decimals, one outlier (28.95)"),
  col("abbey", "x", "MASS::abbey", abbey,
      "31 determinations of nickel in a Canadian syenite rock, ug/g; one decimal, one outlier (125)"),
  col("Pima.tr_glu", "glu", "MASS::Pima.tr$glu", Pima.tr$glu,
      "plasma glucose concentration of 200 Pima women; integers"),
  col("UScereal_calories", "calories", "MASS::UScereal$calories", UScereal$calories,
      "calories of 65 US cereals per portion scaled to one cup; stored to 5 decimals (212.12121), ties at round numbers"),
  col("acidity", "x", "mclust::acidity", acidity,
      "log acid neutralizing capacity of 155 lakes in the north-eastern US; 6 decimals, bimodal"),
  col("diabetes_insulin", "insulin", "mclust::diabetes$insulin", diabetes$insulin,
      "area under the plasma insulin curve of 145 adults (Reaven and Miller 1979); integers, three clinical classes")
)

mclust_choice <- function(x) {
  fit <- Mclust(x, verbose = FALSE)
  if (is.null(fit)) return(NULL)
  p <- fit$parameters
  weights <- if (is.null(p$pro)) 1 else as.numeric(p$pro)
  list(G = fit$G, model = fit$modelName, bic = fit$bic, bic_lower_better = -fit$bic,
       loglik = fit$loglik, n_params = fit$df,
       components = lapply(seq_len(fit$G), function(k) list(
         weight = weights[k], mean = as.numeric(p$mean[k]),
         sd = sqrt(rep_len(p$variance$sigmasq, fit$G)[k]))))
}

entries <- lapply(corpus, function(e) {
  file <- paste0(e$name, ".csv")
  frame <- setNames(data.frame(e$values), e$column)
  write.csv(frame, file.path(out_dir, file), row.names = FALSE)
  x <- e$values[!is.na(e$values)]
  list(file = file, column = e$column, source = e$source, n = length(x),
       distinct = length(unique(x)), description = e$description, mclust = mclust_choice(x))
})

corpus_json <- list(
  about = paste("One-dimensional numeric columns of R's datasets, MASS and mclust packages, each written by",
                "write.csv(row.names = FALSE); made by scripts/real-corpus.R. n counts the non-NA values."),
  made_with = list(R = R.version.string, datasets = format(packageVersion("datasets")),
                   MASS = format(packageVersion("MASS")), mclust = format(packageVersion("mclust")),
                   jsonlite = format(packageVersion("jsonlite"))),
  mclust_call = "Mclust(x) on the non-NA values: G = 1:9, models E and V (X for G = 1)",
  bic_convention = paste("mclust: bic = 2 loglik - n_params ln n, larger is better;",
                         "bic_lower_better = -bic, comparable with em-fit's bic (lower is better)."),
  files = entries
)
write(toJSON(corpus_json, auto_unbox = TRUE, pretty = TRUE, digits = NA), file.path(out_dir, "corpus.json"))
cat(sprintf("wrote %d CSV files and corpus.json to %s\n", length(entries), out_dir))
