"""Text from the web, for those online: a file fetched once, checked against its SHA-256, then cached.

Nothing else in the workbench touches the network; every demo works offline.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..common.atomic import write_atomically
from ..common.errors import DataError, WorkbenchError
from .checks import read_text_file
from .text import TextStream, stream_from_text

CHUNK_BYTES = 64 * 1024
PROGRESS_INTERVAL = 0.1  # seconds between progress reports, so a UI gets about ten a second
CACHE_FOLDER_NAME = "sequence-workbench"

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None when unknown)


class DownloadCancelled(WorkbenchError):
    """The user stopped a download; nothing of it was kept."""


@dataclass(frozen=True)
class Download:
    """A file on the web that the workbench knows by its checksum."""

    name: str
    url: str
    sha256: str
    size: int  # bytes, to tell the user before they start


# The checksum and size are those published for this URL in Hugging Face's `datasets`
# (datasets/tiny_shakespeare/dataset_infos.json and urls_checksums/checksums.txt), and agree
# with several other projects that pin the same file.
SHAKESPEARE = Download(
    name="tiny-shakespeare",
    url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
    sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    size=1_115_394,
)


def load_shakespeare(progress: Progress | None = None, should_stop: Callable[[], bool] | None = None) -> TextStream:
    """The tiny-shakespeare text of char-rnn as a stream corpus, downloaded on first use."""
    path = fetch(SHAKESPEARE.url, SHAKESPEARE.sha256, progress=progress, should_stop=should_stop)
    return stream_from_text(read_text_file(path), f"download:{SHAKESPEARE.name}", "Tiny Shakespeare")


def fetch(
    url: str,
    sha256: str,
    cache_dir: str | Path | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    timeout: float = 30,
) -> Path:
    """The cached copy of ``url``, downloaded first unless a copy with this SHA-256 is there.

    The file is named by its checksum, so a changed checksum fetches anew. ``should_stop`` is
    asked between chunks; a cancelled or corrupt download leaves nothing behind.
    """
    sha256 = sha256.lower()
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = folder / _cached_name(url, sha256)
    if path.is_file() and _sha256_of_file(path) == sha256:
        return path
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda part: _download(url, sha256, part, progress, should_stop, timeout))
    except OSError as error:  # network errors are DataErrors by now: this is the disk
        raise DataError(f"could not save the download in {folder} ({error.strerror or error}).") from None
    return path


def default_cache_dir() -> Path:
    """``$WORKBENCH_CACHE``, else ``sequence-workbench`` in ``$XDG_CACHE_HOME`` or ``~/.cache``."""
    if os.environ.get("WORKBENCH_CACHE"):
        return Path(os.environ["WORKBENCH_CACHE"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if Path(xdg).is_absolute() else Path.home() / ".cache"  # the XDG spec ignores relative paths
    return base / CACHE_FOLDER_NAME


def _cached_name(url: str, sha256: str) -> str:
    base = Path(urllib.parse.urlsplit(url).path).name or "download"
    return f"{sha256[:16]}-{base}"


def _download(
    url: str,
    sha256: str,
    destination: Path,
    progress: Progress | None,
    should_stop: Callable[[], bool] | None,
    timeout: float,
) -> None:
    digest = hashlib.sha256()
    report = _throttled(progress)
    with _network_errors(url, timeout):
        response = urllib.request.urlopen(url, timeout=timeout)
    with response, destination.open("wb") as file:
        total = _content_length(response)
        done = 0
        while True:
            if should_stop is not None and should_stop():
                raise DownloadCancelled(f"the download of {url} was cancelled.")
            with _network_errors(url, timeout):
                chunk = response.read(CHUNK_BYTES)
            if not chunk:
                break
            file.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            report(done, total)
    report(done, total, final=True)
    if digest.hexdigest() != sha256:
        raise DataError(
            f"the download of {url} is not the expected file: its checksum did not match "
            f"(expected {sha256[:12]}…, got {digest.hexdigest()[:12]}…)."
        )


def _content_length(response: http.client.HTTPResponse) -> int | None:
    length = response.headers.get("Content-Length", "")
    return int(length) if length.isdigit() else None


def _throttled(progress: Progress | None) -> Callable[..., None]:
    """``progress`` called at most every PROGRESS_INTERVAL seconds, and once more at the end."""
    last_time, last_done = -float("inf"), -1

    def report(done: int, total: int | None, final: bool = False) -> None:
        nonlocal last_time, last_done
        now = time.monotonic()
        if progress is None or done == last_done or not (final or now - last_time >= PROGRESS_INTERVAL):
            return
        progress(done, total)
        last_time, last_done = now, done

    return report


@contextmanager
def _network_errors(url: str, timeout: float) -> Iterator[None]:
    """Turn what urllib and sockets raise into a DataError saying what went wrong, in words."""
    try:
        yield
    except urllib.error.HTTPError as error:
        raise DataError(f"could not download {url}: the server said {error.code} {error.reason}.") from None
    except urllib.error.URLError as error:
        raise DataError(f"could not download {url}: {_describe(error.reason, timeout)}.") from None
    except (OSError, http.client.HTTPException) as error:
        raise DataError(f"could not download {url}: {_describe(error, timeout)}.") from None
    except ValueError:
        raise DataError(f"could not download {url}: this is not a web address.") from None


def _describe(reason: object, timeout: float) -> str:
    if isinstance(reason, socket.gaierror):
        return "the server's name could not be looked up (no network connection?)"
    if isinstance(reason, TimeoutError):
        return f"the server did not answer within {timeout:g} seconds (no network connection?)"
    if isinstance(reason, ConnectionRefusedError):
        return "the server refused the connection"
    if isinstance(reason, http.client.HTTPException):
        return "the connection broke off"
    if isinstance(reason, OSError) and reason.strerror:
        return f"{reason.strerror.lower()} (no network connection?)"
    return f"{reason} (no network connection?)"


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
