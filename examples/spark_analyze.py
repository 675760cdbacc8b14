#!/usr/bin/env python3
"""Catalogue-scale sonority on Apache Spark: analyse a file list on the executors, keep the
summaries as Parquet, fit Spark MLlib's k-means on them and import its centroids as a sonority
model, so that `sonority organize FOLDER --db DB` places a local library into the catalogue's
clusters.

    spark-submit [--master ...] examples/spark_analyze.py --files LIST --out SUMMARIES \\
        --k 50 --db catalogue.db

Steps:
  1. the paths (one per line in --files, read by Spark, so it may be on HDFS or S3; or every
     audio file under --dir, listed on the driver) become a DataFrame, repartitioned into
     --partitions pieces (default: 4 per executor core);
  2. `mapInPandas` calls `sonority.analyze` on each partition's paths on the executors (every
     executor needs the `sonority` wheel installed: see README "Beyond one machine");
  3. the per-track summaries (path, error, duration_s, one float64 column per feature dim, and
     the analysing process's host and pid) are written to --out as Parquet;
  4. on the tracks that were analysed, pyspark.ml's VectorAssembler, StandardScaler(withMean,
     withStd) and KMeans(k) are fitted;
  5. the centroids (in the standardised space), the scaler's mean and standard deviation and
     the dim names become `sonority.Model.from_centroids(...)`, saved into --db.

The paths must be readable by the executors under the same names (a shared or mounted file
system); the summaries are written where Spark writes (a local path, HDFS, S3, ...).
"""

import argparse
import json
import os
import socket
import sys
import time

AUDIO_EXTENSIONS = {
    ".aac", ".aif", ".aifc", ".aiff", ".alac", ".caf", ".flac", ".m4a", ".m4b", ".mka",
    ".mkv", ".mp1", ".mp2", ".mp3", ".mp4", ".oga", ".ogg", ".opus", ".wav", ".wave", ".webm",
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Analyse audio files with sonority on a Spark cluster, fit MLlib k-means "
        "on the summaries and import the centroids into a sonority database.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--files", metavar="LIST",
                     help="text file of audio paths, one per line, as the executors see them "
                     "(any path Spark reads: local, hdfs://, s3a://)")
    src.add_argument("--dir", metavar="DIR",
                     help="analyse every audio file under DIR (listed on the driver)")
    p.add_argument("--out", required=True, metavar="PATH",
                   help="where the per-track summaries are written as Parquet (a directory)")
    p.add_argument("--k", type=int, required=True, help="number of k-means clusters")
    p.add_argument("--db", metavar="DB",
                   help="sonority database the fitted model is imported into (created if "
                   "missing); without it the model is only printed")
    p.add_argument("--partitions", type=int, default=0,
                   help="number of analysis tasks (default: 4 per executor core)")
    p.add_argument("--jobs", type=int, default=1,
                   help="threads sonority uses inside one task (default 1: one task per core)")
    p.add_argument("--seed", type=int, default=1, help="k-means seed")
    p.add_argument("--max-iter", type=int, default=100, help="k-means iterations at most")
    p.add_argument("--names", metavar="NAME", nargs="*",
                   help="cluster names, k of them (default: sonority's own)")
    p.add_argument("--master", help="Spark master when not run by spark-submit "
                   "(e.g. local-cluster[2,1,1024], spark://host:7077)")
    p.add_argument("--report", metavar="JSON",
                   help="write a summary of the run (counts, timings, worker pids) here")
    return p.parse_args(argv)


def list_dir(top):
    """The audio files under `top`, listed on the driver, in a stable order."""
    paths = []
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS and not name.startswith("."):
                paths.append(os.path.join(root, name))
    return paths


def summary_columns():
    """The columns of `sonority.analyze`'s DataFrame, known on the driver without a file."""
    import sonority
    return ["path", "error", "duration_s", *sonority.dims()]


def analyse_partitions(jobs):
    """The function `mapInPandas` runs on the executors: each batch of paths through
    `sonority.analyze`, tagged with the host and pid of the process that did it."""

    def run(batches):
        import sonority  # imported on the executor, from its own environment

        host, pid = socket.gethostname(), os.getpid()
        for batch in batches:
            paths = batch["path"].tolist()
            if not paths:
                continue
            frame = sonority.analyze(paths, jobs=jobs, progress=False)
            frame["worker_host"] = host
            frame["worker_pid"] = pid
            yield frame

    return run


def spark_schema(columns):
    """The Spark schema of the summaries: path and error strings, float64 numbers."""
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    fields = [StructField("path", StringType(), False), StructField("error", StringType(), True)]
    fields += [StructField(c, DoubleType(), True) for c in columns if c not in ("path", "error")]
    fields += [StructField("worker_host", StringType(), False),
               StructField("worker_pid", LongType(), False)]
    return StructType(fields)


def fit_kmeans(ok, dims, k, seed, max_iter):
    """StandardScaler(withMean, withStd) + KMeans on the rows of `ok`: the centroids in the
    standardised space, the scaler's mean and std, and the training cost."""
    from pyspark.ml import Pipeline
    from pyspark.ml.clustering import KMeans
    from pyspark.ml.feature import StandardScaler, VectorAssembler

    pipeline = Pipeline(stages=[
        # A track with a NaN feature cannot be scaled: left out of the fit.
        VectorAssembler(inputCols=dims, outputCol="raw", handleInvalid="skip"),
        StandardScaler(inputCol="raw", outputCol="features", withMean=True, withStd=True),
        KMeans(k=k, seed=seed, maxIter=max_iter, featuresCol="features"),
    ])
    model = pipeline.fit(ok)
    scaler, kmeans = model.stages[1], model.stages[2]
    centroids = [list(map(float, c)) for c in kmeans.clusterCenters()]
    mean = list(map(float, scaler.mean.toArray()))
    # Spark scales a constant dim to 0; a scale of 1 does the same to its (x - mean) = 0.
    scale = [float(s) if s > 0 else 1.0 for s in scaler.std.toArray()]
    return centroids, mean, scale, kmeans.summary.trainingCost, kmeans.summary.clusterSizes


def main(argv=None):
    args = parse_args(argv)
    if args.k < 2:
        sys.exit("--k must be at least 2")
    from pyspark.sql import SparkSession, functions as F

    started = time.time()
    builder = SparkSession.builder.appName("sonority-analyze")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get("SONORITY_SPARK_LOG", "WARN"))
    session_s = time.time() - started
    try:
        if args.files:
            # Read by Spark: the list may be on HDFS or S3 and need not fit the driver.
            paths_df = (spark.read.text(args.files).select(F.col("value").alias("path"))
                        .filter(F.trim("path") != ""))
        else:
            paths_df = spark.createDataFrame([(p,) for p in list_dir(args.dir)], "path string")
        partitions = args.partitions or 4 * spark.sparkContext.defaultParallelism
        columns = summary_columns()
        dims = [c for c in columns if c not in ("path", "error", "duration_s")]

        # 1-3: analyse on the executors, summaries to Parquet.
        t0 = time.time()
        summaries = paths_df.repartition(partitions).mapInPandas(
            analyse_partitions(args.jobs), spark_schema(columns))
        summaries.write.mode("overwrite").parquet(args.out)
        analysed_s = time.time() - t0

        # 4: k-means on the tracks that were analysed (read back: the analysis runs once).
        table = spark.read.parquet(args.out)
        ok = table.filter(F.col("error").isNull()).cache()
        counts = table.agg(
            F.count("*").alias("files"),
            F.sum(F.col("error").isNull().cast("int")).alias("ok"),
            F.sum(F.when(F.col("error").isNull(), F.col("duration_s"))).alias("audio_s"),
        ).first()
        workers = sorted({(r.worker_host, r.worker_pid)
                          for r in table.select("worker_host", "worker_pid").distinct().collect()})
        if counts.files == 0:
            sys.exit("no audio files to analyse")
        if counts.ok < args.k:
            sys.exit(f"only {counts.ok} files were analysed: too few for k={args.k}")
        t1 = time.time()
        centroids, mean, scale, cost, sizes = fit_kmeans(ok, dims, args.k, args.seed,
                                                         args.max_iter)
        fitted_s = time.time() - t1

        # 5: the centroids as a sonority model.
        import sonority
        model = sonority.Model.from_centroids(centroids, dims, mean, scale, names=args.names)
        if args.db:
            model.save(args.db)

        report = {
            "files": counts.files, "ok": counts.ok, "failed": counts.files - counts.ok,
            "audio_hours": (counts.audio_s or 0.0) / 3600.0, "partitions": partitions,
            "workers": [{"host": h, "pid": p} for h, p in workers],
            "session_seconds": session_s, "analysis_seconds": analysed_s,
            "kmeans_seconds": fitted_s,
            "total_seconds": time.time() - started, "k": args.k, "cluster_sizes": list(sizes),
            "training_cost": cost, "dims": len(dims), "db": args.db, "summaries": args.out,
        }
        print(f"analysed {counts.ok} of {counts.files} files ({report['audio_hours']:.2f} h of "
              f"audio) in {analysed_s:.1f} s on {len(workers)} worker processes; "
              f"k-means k={args.k} in {fitted_s:.1f} s, cluster sizes {list(sizes)}"
              + (f"; model imported into {args.db}" if args.db else ""))
        if args.report:
            with open(args.report, "w", encoding="utf-8") as f:
                json.dump(report, f, indent=1)
        ok.unpersist()
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
