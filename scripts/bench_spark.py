"""The measuring half of scripts/bench-spark (which builds and installs first):
    python scripts/bench_spark.py DIR path/to/sonority"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyspark

ROOT = Path(__file__).resolve().parent.parent


def line(what, workers, files, audio_h, seconds, extra=""):
    rate = files / seconds
    ahh = audio_h / (seconds / 3600.0)
    print(f"{what:<34} {files:>5} files {audio_h:6.2f} h in {seconds:7.1f} s: "
          f"{rate:6.2f} files/s, {ahh:6.0f} audio-h/h; per worker {rate / workers:5.2f} files/s, "
          f"{ahh / workers:5.0f} audio-h/h{extra}")


def main():
    music, binary = Path(sys.argv[1]), Path(sys.argv[2]).resolve()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"== {music}: {os.cpu_count()} cores, load average {load} before the runs "
          f"(other jobs on this machine slow every figure alike)")
    keep = os.environ.get("BENCH_DIR")  # keeps the databases and summaries there
    with tempfile.TemporaryDirectory(prefix="sonority-bench-spark-") as scratch:
        tmp = Path(keep or scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        for jobs in (1, 2):
            db = tmp / f"cli{jobs}.db"
            db.unlink(missing_ok=True)
            t = time.monotonic()
            subprocess.run([str(binary), "--db", str(db), "analyze", "--jobs", str(jobs),
                            str(music)], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            seconds = time.monotonic() - t
            status = json.loads(subprocess.run(
                [str(binary), "--db", str(db), "status", "--json"], check=True,
                capture_output=True, text=True).stdout)
            analysed = status["analysed"]
            line(f"sonority analyze --jobs {jobs}", jobs, analysed,
                 status["total_duration_s"] / 3600.0, seconds)

        env = dict(os.environ, SPARK_HOME=os.path.dirname(pyspark.__file__),
                   PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable,
                   SPARK_LOCAL_IP="127.0.0.1")
        report = tmp / "report.json"
        t = time.monotonic()
        subprocess.run(
            [f"{env['SPARK_HOME']}/bin/spark-submit", "--master", "local-cluster[2,1,2048]",
             "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.enabled=false",
             str(ROOT / "examples/spark_analyze.py"), "--dir", str(music),
             "--out", str(tmp / "summaries.parquet"), "--k", "8", "--db", str(tmp / "spark.db"),
             "--report", str(report)],
            env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.monotonic() - t
        r = json.loads(report.read_text())
        line("Spark local-cluster, 2 executors", 2, r["ok"], r["audio_hours"],
             r["analysis_seconds"],
             f"\n{'':<34} ({r['failed']} failed; {len(r['workers'])} Python worker processes; "
             f"k-means k=8 {r['kmeans_seconds']:.1f} s; spark-submit to exit {wall:.1f} s, "
             f"of which cluster start-up {r.get('session_seconds', 0.0):.1f} s)")


if __name__ == "__main__":
    main()
