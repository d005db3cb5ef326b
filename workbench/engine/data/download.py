"""Text from the web, for those online: a file fetched once with pooch, checked against its SHA-256, then cached.

Nothing else in the workbench touches the network; every demo works offline. Pooch streams the file into
a temporary beside its cache name, keeps it only when its hash matches, and tries again after a failure on
the way (a dropped connection, a corrupt copy). This module adds what the workbench needs around it:
progress for the window, cancelling, and errors in words.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pooch
import requests

from ..common.errors import DataError, WorkbenchError
from .checks import read_text_file
from .text import TextStream, stream_from_text

CHUNK_BYTES = 64 * 1024
PROGRESS_INTERVAL = 0.1  # seconds between progress reports, so a UI gets about ten a second
RETRIES = 2  # tries after the first when one fails on the way; a refusal (404, no web address) is final
CACHE_FOLDER_NAME = "sequence-workbench"
CACHE_ENV = "WORKBENCH_CACHE"
# The bytes as they are on the server: a compressed transfer would count (and size) something else.
PLAIN_TRANSFER = {"Accept-Encoding": "identity"}

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None when unknown)

pooch.get_logger().setLevel(logging.WARNING)  # its "Downloading file ..." lines are not for our users


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
    retries: int = RETRIES,
) -> Path:
    """The cached copy of ``url``, downloaded first unless a copy with this SHA-256 is there.

    The file is named by its checksum, so a changed checksum fetches anew. ``should_stop`` is
    asked before each try and after each chunk; a cancelled or corrupt download leaves nothing behind.
    """
    sha256 = sha256.lower()
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    name = _cached_name(url, sha256)
    registry = pooch.create(
        path=folder, base_url="", registry={name: sha256}, urls={name: url}, retry_if_failed=retries
    )
    downloader = _Downloader(progress, should_stop, timeout)
    try:
        return Path(registry.fetch(name, downloader=downloader))
    except requests.RequestException as error:  # the last try's failure, once the retries are spent
        raise DataError(f"could not download {url}: {_describe(error, timeout)}.") from None
    except ValueError:  # pooch's word for a hash that did not match
        raise DataError(
            f"the download of {url} is not the expected file: its checksum did not match "
            f"(expected {sha256[:12]}…, got {downloader.received_sha256[:12]}…)."
        ) from None
    except OSError as error:  # network errors are RequestExceptions (caught above): this is the disk
        raise DataError(f"could not save the download in {folder} ({error.strerror or error}).") from None


def default_cache_dir() -> Path:
    """``$WORKBENCH_CACHE``, else ``sequence-workbench`` in the user's cache folder (pooch's
    ``os_cache``: ``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    return pooch.os_cache(CACHE_FOLDER_NAME)


class _Downloader:
    """The ``downloader`` pooch calls for each try: its HTTPDownloader (requests), fed a progress bar that
    reports to ``progress`` and stops when ``should_stop`` says so.

    A refusal (a 4xx status, no web address) is raised as a DataError at once: asking again would not help,
    and pooch retries only its own kinds of error. ``received_sha256`` is the last file's hash, for the
    message when it does not match.
    """

    def __init__(self, progress: Progress | None, should_stop: Callable[[], bool] | None, timeout: float) -> None:
        self.progress = progress
        self.should_stop = should_stop
        self.timeout = timeout
        self.received_sha256 = ""

    def __call__(self, url: str, output_file: str, pup: pooch.Pooch | None) -> None:
        bar = _ProgressBar(url, self.progress, self.should_stop)
        bar.stop_if_asked()
        http = pooch.HTTPDownloader(
            progressbar=bar, chunk_size=CHUNK_BYTES, timeout=self.timeout, headers=PLAIN_TRANSFER
        )
        try:
            http(url, output_file, pup)
        except requests.HTTPError as error:
            if error.response is not None and error.response.status_code < 500:
                raise DataError(f"could not download {url}: {_describe(error, self.timeout)}.") from None
            raise
        except (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL):
            raise DataError(f"could not download {url}: this is not a web address.") from None
        self.received_sha256 = pooch.file_hash(output_file)
        bar.finish(os.path.getsize(output_file))


class _ProgressBar:
    """The progress bar pooch's HTTPDownloader drives (``total``, ``update``, ``reset``, ``close``), told to
    ``progress`` at most every PROGRESS_INTERVAL seconds, counting up only; ``finish`` tells the end.

    HTTPDownloader counts whole chunks (the last may be shorter), so a known total caps the count, and
    ``finish`` gives the file's true size. ``should_stop`` is asked at every chunk.
    """

    def __init__(self, url: str, progress: Progress | None, should_stop: Callable[[], bool] | None) -> None:
        self.url = url
        self.progress = progress
        self.should_stop = should_stop
        self.total = 0  # set by HTTPDownloader from Content-Length; 0 when the server does not say
        self.done = 0
        self._told_time, self._told_done = -float("inf"), -1

    def stop_if_asked(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise DownloadCancelled(f"the download of {self.url} was cancelled.")

    def update(self, chunk_bytes: int) -> None:
        self.stop_if_asked()
        self.done += chunk_bytes
        self._tell(min(self.done, self.total) if self.total else self.done)

    def reset(self) -> None:
        """HTTPDownloader's last steps are reset, update(total), close: the count starts again from 0."""
        self.done = 0

    def close(self) -> None:
        """Nothing to release; ``finish`` reports the end."""

    def finish(self, size: int) -> None:
        self._tell(size, final=True)

    def _tell(self, done: int, final: bool = False) -> None:
        now = time.monotonic()
        if self.progress is None or done <= self._told_done:
            return
        if final or now - self._told_time >= PROGRESS_INTERVAL:
            self.progress(done, self.total or None)
            self._told_time, self._told_done = now, done


def _cached_name(url: str, sha256: str) -> str:
    base = Path(urllib.parse.urlsplit(url).path).name or "download"
    return f"{sha256[:16]}-{base}"


def _describe(error: requests.RequestException, timeout: float) -> str:
    """What went wrong, in words, from what requests raised."""
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"the server said {error.response.status_code} {error.response.reason}"
    if isinstance(error, requests.Timeout):
        return f"the server did not answer within {timeout:g} seconds (no network connection?)"
    if isinstance(error, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return "the connection broke off"
    reason = _innermost(error)
    if isinstance(reason, socket.gaierror):
        return "the server's name could not be looked up (no network connection?)"
    if isinstance(reason, TimeoutError):
        return f"the server did not answer within {timeout:g} seconds (no network connection?)"
    if isinstance(reason, ConnectionRefusedError):
        return "the server refused the connection"
    if isinstance(reason, OSError) and reason.strerror:
        return f"{reason.strerror.lower()} (no network connection?)"
    return f"{reason} (no network connection?)"


def _innermost(error: BaseException) -> BaseException:
    """The socket's own error under the layers requests and urllib3 wrap it in (its cause, reason or argument)."""
    for inner in (error.__cause__, getattr(error, "reason", None), *error.args):
        if isinstance(inner, BaseException):
            return _innermost(inner)
    return error
