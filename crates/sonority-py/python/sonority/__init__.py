"""sonority for Python: librosa-exact audio features computed in Rust, parallel analysis of
many files into a pandas DataFrame, and sonority libraries and models.

>>> import sonority
>>> doc = sonority.features("song.flac")          # the `sonority features --json` document
>>> df = sonority.analyze(["a.mp3", "b.ogg"])      # one row per file, one column per dim
>>> lib = sonority.Library("library.db")           # a database `sonority organize` wrote
>>> lib.playlists().head()

Errors are exceptions derived from :class:`SonorityError` (see ``sonority._errors``).
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _errors, _sonority
from ._errors import (
    DatabaseError,
    DecodeError,
    ModelError,
    ReadError,
    SchemaVersionError,
    SonorityError,
    TrackNotFoundError,
    UnsupportedFormatError,
)

__version__: str = _sonority.__version__

PathLike = Union[str, "os.PathLike[str]"]


def dims() -> List[str]:
    """The names of the per-track feature dims, in order: the columns ``analyze`` adds after
    ``duration_s``, and the feature columns of ``sonority export``."""
    return _sonority.dims()


def features(path: PathLike, frames: bool = False) -> Dict[str, Any]:
    """The features of one audio file: a dict with the same keys and numbers as
    ``sonority features --json PATH`` (schema ``afx-features/1``; NaN values are ``None``, as
    JSON's null). With ``frames=True``, ``"frames"`` maps each frame feature to a ``float32``
    array of rows × frames (``sonority features --json --frames``).

    Raises ReadError, DecodeError or UnsupportedFormatError naming the file.
    """
    return _sonority.features(os.fspath(path), frames)


def analyze(
    paths: Union[PathLike, Iterable[PathLike]],
    jobs: Optional[int] = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Analyses audio files in parallel (``jobs`` threads; default every core) and returns one
    row per path, in order: ``path``, ``error`` (``None`` when analysed, else the reason, naming
    the file), ``duration_s``, then one float column per dim (:func:`dims`; NaN on failed
    rows). The values are the ones ``sonority analyze`` stores and ``sonority export`` writes.
    Files that fail are rows, not exceptions. ``progress`` prints a line to stderr every few
    seconds.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    names = [os.fspath(p) for p in paths]
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    out = _sonority.analyze(names, jobs, progress)
    frame = pd.DataFrame(out["values"], columns=out["dims"])
    frame.insert(0, "path", out["path"])
    frame.insert(1, "error", pd.Series(out["error"], dtype=object))
    frame.insert(2, "duration_s", out["duration_s"])
    return frame


def _features_frame(cols: Dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame(cols["values"], columns=cols["dims"])
    frame.insert(0, "track_id", np.asarray(cols["track_id"], dtype=np.int64))
    frame.insert(1, "path", cols["path"])
    return frame


def _nullable_int(values: Sequence[Optional[int]]) -> pd.Series:
    return pd.Series(pd.array(list(values), dtype="Int64"))


class Library:
    """An existing sonority library database (``sonority organize DIR --db PATH`` makes one).

    Raises DatabaseError when the file is missing or not a sonority database, and
    SchemaVersionError when a newer sonority wrote it.
    """

    def __init__(self, db_path: PathLike) -> None:
        self._lib = _sonority.Library(os.fspath(db_path))

    @property
    def path(self) -> str:
        """The database file."""
        return os.fspath(self._lib.path)

    def tracks(self) -> pd.DataFrame:
        """Every track, analysed or failed: id, path, artist, album, title, genre, track_no,
        duration_s, sample_rate, channels, codec, error."""
        cols = self._lib.tracks()
        frame = pd.DataFrame(cols)
        for c in ("track_no", "sample_rate", "channels"):
            frame[c] = _nullable_int(cols[c])
        frame["duration_s"] = pd.to_numeric(pd.Series(cols["duration_s"], dtype=object))
        return frame

    def features(self) -> pd.DataFrame:
        """The analysed tracks' features: track_id, path, then one column per dim."""
        return _features_frame(self._lib.features())

    def clusters(self) -> pd.DataFrame:
        """The playlists (clusters) of the latest clustering: cluster_id, name, family_id,
        family_name, size."""
        cols = self._lib.clusters()
        frame = pd.DataFrame(cols)
        frame["family_id"] = _nullable_int(cols["family_id"])
        return frame

    def export_parquet(self, path: PathLike) -> int:
        """Writes every clustered track of the latest clustering to the Parquet file ``path``,
        as ``sonority export --format parquet -o PATH`` does (the same file: typed columns,
        written to a temporary name and renamed when complete); returns the row count."""
        return int(self._lib.export_parquet(os.fspath(path)))

    def playlists(self) -> pd.DataFrame:
        """Each clustered track's playlist and family: track_id, path, cluster_id,
        cluster_name, family_id, family_name, distance (to the playlist's centre)."""
        cols = self._lib.playlists()
        frame = pd.DataFrame(cols)
        frame["cluster_id"] = _nullable_int(cols["cluster_id"])
        frame["family_id"] = _nullable_int(cols["family_id"])
        frame = frame[
            ["track_id", "path", "cluster_id", "cluster_name", "family_id", "family_name", "distance"]
        ]
        return frame

    def similar(self, track: Union[int, PathLike], n: int = 10) -> pd.DataFrame:
        """The ``n`` tracks most like ``track`` (a track id, or the path of a file in the
        library), nearest first: track_id, path, distance, cluster_id, cluster_name.

        Raises TrackNotFoundError when the track is not in the library, ModelError when it
        has no clustering yet."""
        if not isinstance(track, (int, np.integer)):
            track = os.fspath(track)
        cols = self._lib.similar(int(track) if isinstance(track, np.integer) else track, n)
        frame = pd.DataFrame(cols)
        frame["cluster_id"] = _nullable_int(cols["cluster_id"])
        return frame

    def model(self) -> "Model":
        """The model of the latest clustering (ModelError when there is none)."""
        return Model(self._lib.model())

    def __repr__(self) -> str:
        return f"sonority.Library({self.path!r})"


class Model:
    """A clustering model: the dims it reads, its scaler, and clusters (centroids in the scaled
    space, names, families). Place tracks with :meth:`assign`.

    Get one with :meth:`Model.load`, :meth:`Library.model`, or :meth:`Model.from_centroids`
    (a k-means fitted elsewhere), and :meth:`save` it into a library.
    """

    def __init__(self, inner: Any) -> None:
        self._m = inner

    @staticmethod
    def load(db_path: PathLike) -> "Model":
        """The model of the latest clustering of the database at ``db_path``."""
        return Model(_sonority.Model.load(os.fspath(db_path)))

    @staticmethod
    def from_centroids(
        centroids: Any,
        dims: Sequence[str],
        mean: Any,
        scale: Any,
        names: Optional[Sequence[str]] = None,
    ) -> "Model":
        """A model from a k-means fitted elsewhere after a standard scaler, e.g. Spark's
        ``StandardScaler(withMean=True, withStd=True)`` + ``KMeans`` or scikit-learn's
        ``StandardScaler`` + ``KMeans``.

        ``centroids``: k × d, in the standardised space (``(x - mean) / scale`` per dim);
        ``dims``: the d dim names (sonority's, see :func:`dims`; ModelError naming the unknown
        ones otherwise); ``mean``, ``scale``: the scaler's, length d (a scale of 0 counts as 1);
        ``names``: one per cluster, or None to name the clusters from their centroids as
        sonority names its own. The clusters are grouped into families by Ward linkage of their
        centroids. New tracks go to the nearest centroid.
        """
        c = np.ascontiguousarray(np.asarray(centroids, dtype=np.float64))
        if c.ndim != 2:
            raise ModelError(f"centroids must be a k x d array, not {c.ndim}-D")
        return Model(
            _sonority.Model.from_centroids(
                c,
                [str(d) for d in dims],
                [float(v) for v in np.asarray(mean, dtype=np.float64).ravel()],
                [float(v) for v in np.asarray(scale, dtype=np.float64).ravel()],
                None if names is None else [str(n) for n in names],
            )
        )

    def save(self, db_path: PathLike) -> int:
        """Writes the model into the database at ``db_path`` (created if missing) as the
        library's current clustering, marked as imported: ``sonority organize FOLDER --db
        DB`` then places the folder's tracks into these clusters and never refits them on its
        own (only ``--recluster`` replaces them). Returns the clustering's id."""
        return int(self._m.save(os.fspath(db_path)))

    def assign(self, features: Any) -> np.ndarray:
        """The cluster id of each row: ``features`` is a DataFrame holding the model's dim
        columns (any order, others ignored; e.g. from :func:`analyze`) or a 2-D array whose
        columns are :attr:`dims` in order. -1 where no cluster takes the row."""
        if isinstance(features, pd.DataFrame):
            missing = [d for d in self.dims if d not in features.columns]
            if missing:
                raise ModelError(
                    f"the DataFrame lacks {len(missing)} of the model's dims: {', '.join(missing[:5])}"
                )
            x = features[self.dims].to_numpy(dtype=np.float64)
        else:
            x = np.asarray(features, dtype=np.float64)
        if x.ndim == 1:
            x = x.reshape(1, -1)
        return self._m.assign(np.ascontiguousarray(x))

    @property
    def dims(self) -> List[str]:
        """The dim names the model reads, in order."""
        return list(self._m.dims)

    @property
    def names(self) -> List[str]:
        """The cluster names, in model order."""
        return list(self._m.names)

    @property
    def cluster_ids(self) -> List[int]:
        """The cluster ids in model order (the values :meth:`assign` returns)."""
        return list(self._m.cluster_ids)

    @property
    def family_ids(self) -> List[int]:
        """The family id of each cluster, in model order."""
        return list(self._m.family_ids)

    @property
    def family_names(self) -> Dict[int, str]:
        """Family names by family id."""
        return dict(self._m.family_names)

    @property
    def centroids(self) -> np.ndarray:
        """The k × d centroids, in the model's scaled space."""
        return self._m.centroids

    @property
    def mean(self) -> np.ndarray:
        """The scaler's per-dim center."""
        return np.asarray(self._m.mean)

    @property
    def scale(self) -> np.ndarray:
        """The scaler's per-dim scale."""
        return np.asarray(self._m.scale)

    @property
    def algorithm(self) -> str:
        """The algorithm that fitted it ("kmeans" for a model from centroids)."""
        return str(self._m.algorithm)

    def __len__(self) -> int:
        return len(self._m)

    def __repr__(self) -> str:
        return "sonority." + repr(self._m)


__all__ = ["__version__", "dims", "features", "analyze", "Library", "Model", *_errors.__all__]
