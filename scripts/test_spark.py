"""The Spark job of examples/spark_analyze.py on a real local cluster, end to end.

Spark's `local-cluster[2,1,1024]` master starts a standalone master, two workers and two
executor JVMs on this machine, each executor with its own Python worker processes: the test
submits the job there with `spark-submit`, checks that the analysis ran in at least two
distinct worker processes, that the summaries are in the Parquet output and that the k-means
model was imported into a fresh database; then `sonority organize` on a fresh folder (copies
of some of the analysed files) must place its tracks into those clusters, each into the
cluster whose Spark centroid is nearest, without refitting, and write the playlists.

Needs Java 17+ and pyspark (scripts/setup.sh --test; scripts/test-dist.sh installs pyspark);
under CI=true a missing one fails the test. Run by scripts/test-dist.sh in the venv that holds
the `sonority` package (target/py-venv):
    target/py-venv/bin/python -m pytest scripts/test_spark.py
The CLI used is $SONORITY_BIN, or target/debug/sonority.
"""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parent.parent
MASTER = "local-cluster[2,1,1024]"
K = 3


def missing(what):
    """A missing tool: fails under CI=true, is skipped elsewhere."""
    message = f"{what} is missing (scripts/setup.sh --test; scripts/test-dist.sh)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI=true: a missing tool fails the test")
    pytest.skip(message)


def spark_env():
    """The environment of spark-submit: SPARK_HOME = the pip package, this Python for the
    driver and the executors' workers, everything bound to the loopback address."""
    if shutil.which("java") is None:
        missing("java")
    try:
        import pyspark
    except ImportError:
        missing("pyspark")
    env = dict(os.environ)
    env["SPARK_HOME"] = os.path.dirname(pyspark.__file__)
    env["PYSPARK_PYTHON"] = sys.executable
    env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    return env


def sonority_bin():
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    binary = Path(os.environ.get("SONORITY_BIN", f"{target}/debug/sonority"))
    assert binary.is_file(), f"{binary}: build it first (cargo build -p sonority-cli)"
    return binary


def catalogue_files():
    """Real excerpts in four formats and the synthetic signals: 20 different files."""
    real = ROOT / "fixtures/real"
    files = [*sorted(real.glob("*.ogg")), *sorted(real.glob("*.flac")),
             *sorted(real.glob("*.mp3")), *sorted(real.glob("*.opus"))]
    files += sorted((ROOT / "fixtures/synthetic").glob("*_22k.wav"))
    return files


def test_spark_job_imports_a_model_that_organize_uses(tmp_path):
    env = spark_env()
    binary = sonority_bin()
    import sonority  # noqa: F401  (the executors import it from this same venv)

    # The catalogue: a file list with the fixtures and one file that is not audio.
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    paths = []
    for f in catalogue_files():
        shutil.copy(f, catalogue / f.name)
        paths.append(catalogue / f.name)
    junk = catalogue / "junk.mp3"
    shutil.copy(ROOT / "fixtures/decode/text.mp3", junk)
    paths.append(junk)
    listing = tmp_path / "files.txt"
    listing.write_text("".join(f"{p}\n" for p in paths))

    db = tmp_path / "catalogue.db"
    out = tmp_path / "summaries.parquet"
    report = tmp_path / "report.json"
    job = subprocess.run(
        [f"{env['SPARK_HOME']}/bin/spark-submit", "--master", MASTER,
         "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.enabled=false",
         str(ROOT / "examples/spark_analyze.py"), "--files", str(listing), "--out", str(out),
         "--k", str(K), "--db", str(db), "--partitions", "4", "--report", str(report)],
        env=env, capture_output=True, text=True, timeout=900)
    assert job.returncode == 0, job.stderr[-5000:]
    summary = json.loads(report.read_text())

    # The analysis ran in at least two distinct worker processes, over every file.
    pids = {w["pid"] for w in summary["workers"]}
    assert len(pids) >= 2, summary["workers"]
    table = pq.read_table(out).to_pandas()
    assert sorted(table["path"]) == sorted(map(str, paths))
    assert set(table["worker_pid"]) == pids
    failed = table[table["error"].notna()]
    assert list(failed["path"]) == [str(junk)], failed[["path", "error"]]
    assert summary["ok"] == len(paths) - 1 and summary["failed"] == 1
    assert summary["k"] == K and sum(summary["cluster_sizes"]) == len(paths) - 1

    # The imported model: K clusters, Spark's centroids, scaler and dims.
    model = sonority.Model.load(str(db))
    dims = list(model.dims)
    centroids = np.asarray(model.centroids, dtype=np.float64)
    mean = np.asarray(model.mean, dtype=np.float64)
    scale = np.asarray(model.scale, dtype=np.float64)
    assert centroids.shape == (K, len(dims))
    imported_ids = set(model.cluster_ids)
    assert len(imported_ids) == K

    # A fresh folder with copies of some analysed files; organize places them.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    chosen = [p for p in paths if p.suffix in (".flac", ".wav")]
    for p in chosen:
        shutil.copy(p, fresh / p.name)
    playlists = tmp_path / "playlists"
    organize = subprocess.run(
        [str(binary), "--db", str(db), "organize", str(fresh), "--playlists", str(playlists)],
        capture_output=True, text=True, timeout=600)
    assert organize.returncode == 0, organize.stderr
    export = subprocess.run([str(binary), "--db", str(db), "export", "--format", "csv",
                             "--raw-csv"], capture_output=True, text=True, check=True)
    rows = list(csv.DictReader(io.StringIO(export.stdout)))
    placed = {Path(r["path"]).name: int(r["cluster_id"]) for r in rows}
    # Every fresh track was analysed and landed in one of the imported clusters.
    assert sorted(placed) == sorted(p.name for p in chosen), placed
    assert set(placed.values()) <= imported_ids, placed
    # Not refitted: the same K clusters, the same centroids.
    after = sonority.Model.load(str(db))
    assert set(after.cluster_ids) == imported_ids
    assert np.array_equal(np.asarray(after.centroids, dtype=np.float64), centroids)

    # Each track is in the cluster whose Spark centroid is nearest to its Spark summary.
    by_name = table.set_index(table["path"].map(lambda p: Path(p).name))
    ids = list(model.cluster_ids)
    for name, cluster in placed.items():
        x = (by_name.loc[name, dims].to_numpy(dtype=np.float64) - mean) / scale
        nearest = ids[int(np.argmin(((centroids - x) ** 2).sum(axis=1)))]
        assert cluster == nearest, (name, cluster, nearest)

    # The playlists were written, and name only the fresh files.
    lists = sorted(playlists.rglob("*.m3u8"))
    assert lists, organize.stdout
    entries = [line for m in lists for line in m.read_text().splitlines()
               if line and not line.startswith("#")]
    assert sorted(Path(e).name for e in entries) == sorted(p.name for p in chosen)
