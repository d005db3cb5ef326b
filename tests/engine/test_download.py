"""Downloads through pooch against a real HTTP server on 127.0.0.1: cache, checksum, retries, errors,
cancelling, progress. Nothing here reaches the network."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from workbench.engine.common.errors import DataError
from workbench.engine.data import download
from workbench.engine.data.download import (
    SHAKESPEARE,
    Download,
    DownloadCancelled,
    default_cache_dir,
    fetch,
    load_shakespeare,
)

BODY = bytes(range(256)) * 1200  # 300 KiB: several chunks
BODY_SHA256 = hashlib.sha256(BODY).hexdigest()
PLAY = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n" * 40).encode()


class FileServer:
    """Serves BODY at /data.bin and PLAY at /play.txt, stalls at /slow, breaks off the first answer at /flaky,
    answers 404 elsewhere."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                if self.path == "/slow":
                    time.sleep(1.0)  # longer than the client waits; then hang up without a word
                    return
                if self.path == "/flaky" and owner.requests.count("/flaky") == 1:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(BODY)))
                    self.end_headers()
                    self.wfile.write(BODY[: len(BODY) // 2])  # then hang up: the connection broke off
                    return
                body = {"/data.bin": BODY, "/flaky": BODY, "/play.txt": PLAY}.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with suppress(ConnectionError):  # a cancelled client hangs up mid-file
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def server():
    files = FileServer()
    files.thread.start()
    yield files
    files.server.shutdown()
    files.server.server_close()


def leftovers(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_downloads_then_serves_from_the_cache(server, tmp_path):
    first = fetch(server.url("/data.bin"), BODY_SHA256, cache_dir=tmp_path)
    assert first.read_bytes() == BODY
    assert first.parent == tmp_path
    second = fetch(server.url("/data.bin"), BODY_SHA256, cache_dir=tmp_path)
    assert second == first
    assert server.requests == ["/data.bin"]  # the second call never reached the server
    assert leftovers(tmp_path) == [first.name]


def test_a_damaged_cached_copy_is_fetched_again(server, tmp_path):
    path = fetch(server.url("/data.bin"), BODY_SHA256, cache_dir=tmp_path)
    path.write_bytes(b"not it")
    assert fetch(server.url("/data.bin"), BODY_SHA256, cache_dir=tmp_path).read_bytes() == BODY
    assert len(server.requests) == 2


def test_a_checksum_mismatch_keeps_nothing_and_says_so(server, tmp_path):
    wrong = "0" * 64
    with pytest.raises(DataError, match="checksum did not match") as caught:
        fetch(server.url("/data.bin"), wrong, cache_dir=tmp_path, retries=0)
    assert f"expected {wrong[:12]}" in str(caught.value)
    assert f"got {BODY_SHA256[:12]}" in str(caught.value)
    assert leftovers(tmp_path) == []


def test_a_checksum_mismatch_is_tried_again_before_it_is_an_error(server, tmp_path):
    with pytest.raises(DataError, match="checksum did not match"):
        fetch(server.url("/data.bin"), "0" * 64, cache_dir=tmp_path, retries=1)
    assert server.requests == ["/data.bin", "/data.bin"]
    assert leftovers(tmp_path) == []


def test_a_download_that_breaks_off_is_tried_again(server, tmp_path):
    path = fetch(server.url("/flaky"), BODY_SHA256, cache_dir=tmp_path, retries=1)
    assert path.read_bytes() == BODY
    assert server.requests == ["/flaky", "/flaky"]
    assert leftovers(tmp_path) == [path.name]


def test_a_broken_off_download_is_said_in_words_when_the_tries_run_out(server, tmp_path):
    with pytest.raises(DataError, match="the connection broke off"):
        fetch(server.url("/flaky"), BODY_SHA256, cache_dir=tmp_path, retries=0)
    assert leftovers(tmp_path) == []


def test_a_missing_file_names_the_status_and_is_not_asked_for_again(server, tmp_path):
    with pytest.raises(DataError, match="the server said 404 Not Found"):
        fetch(server.url("/nothing.txt"), BODY_SHA256, cache_dir=tmp_path)  # with the usual retries
    assert server.requests == ["/nothing.txt"]
    assert leftovers(tmp_path) == []


def test_a_cache_folder_that_cannot_be_made_names_the_folder(server, tmp_path):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder should be")
    with pytest.raises(DataError, match=f"could not save the download in {blocked}"):
        fetch(server.url("/data.bin"), BODY_SHA256, cache_dir=blocked)
    assert server.requests == []


def test_a_refused_connection_is_a_data_error(tmp_path):
    with socket.socket() as probe:  # a port that was free a moment ago has no server on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DataError, match="refused the connection"):
        fetch(f"http://127.0.0.1:{port}/data.bin", BODY_SHA256, cache_dir=tmp_path, retries=0)


def test_a_silent_server_times_out(server, tmp_path):
    with pytest.raises(DataError, match="did not answer within 0.2 seconds"):
        fetch(server.url("/slow"), BODY_SHA256, cache_dir=tmp_path, timeout=0.2, retries=0)


@pytest.mark.parametrize("url", ["nowhere", "ftp://example.org/input.txt", "http://"])
def test_not_a_web_address(tmp_path, url):
    with pytest.raises(DataError, match="not a web address"):
        fetch(url, BODY_SHA256, cache_dir=tmp_path)  # with the usual retries: refused at once
    assert leftovers(tmp_path) == []


def test_cancelling_leaves_no_file_behind(server, tmp_path):
    asked = []

    def should_stop() -> bool:
        asked.append(True)
        return len(asked) > 2  # after two chunks

    with pytest.raises(DownloadCancelled, match="cancelled"):
        fetch(server.url("/data.bin"), BODY_SHA256, cache_dir=tmp_path, should_stop=should_stop)
    assert len(asked) == 3  # cancelled as soon as asked: not tried again
    assert server.requests == ["/data.bin"]
    assert leftovers(tmp_path) == []


def test_a_download_cancelled_before_it_starts_never_reaches_the_server(server, tmp_path):
    with pytest.raises(DownloadCancelled, match="cancelled"):
        fetch(server.url("/data.bin"), BODY_SHA256, cache_dir=tmp_path, should_stop=lambda: True)
    assert server.requests == []
    assert leftovers(tmp_path) == []


def test_progress_counts_up_to_the_whole_file(server, tmp_path, monkeypatch):
    monkeypatch.setattr(download, "PROGRESS_INTERVAL", 0.0)  # every chunk
    reports = []
    fetch(server.url("/data.bin"), BODY_SHA256, cache_dir=tmp_path, progress=lambda *report: reports.append(report))
    done = [report[0] for report in reports]
    assert len(done) > 2
    assert done == sorted(set(done))
    assert reports[-1] == (len(BODY), len(BODY))


def test_progress_is_throttled(server, tmp_path, monkeypatch):
    monkeypatch.setattr(download, "PROGRESS_INTERVAL", 3600.0)
    reports = []
    fetch(server.url("/data.bin"), BODY_SHA256, cache_dir=tmp_path, progress=lambda *report: reports.append(report))
    assert len(reports) == 2  # the first chunk and the end
    assert 0 < reports[0][0] < len(BODY)
    assert reports[-1] == (len(BODY), len(BODY))


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("WORKBENCH_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "sequence-workbench"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # not allowed by the XDG spec: ignored
    assert default_cache_dir().parent.name == ".cache"
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"


def test_shakespeare_is_pinned_by_checksum():
    assert SHAKESPEARE.url.startswith("https://")
    assert len(SHAKESPEARE.sha256) == 64 and set(SHAKESPEARE.sha256) <= set("0123456789abcdef")
    assert SHAKESPEARE.size == 1_115_394


def test_load_shakespeare_makes_a_stream_of_the_cached_text(server, tmp_path, monkeypatch):
    play = Download("tiny-shakespeare", server.url("/play.txt"), hashlib.sha256(PLAY).hexdigest(), len(PLAY))
    monkeypatch.setattr(download, "SHAKESPEARE", play)
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    stream = load_shakespeare()
    assert stream.source == "download:tiny-shakespeare"
    assert stream.description["title"] == "Tiny Shakespeare"
    assert stream.description["characters"] == len(PLAY)
    assert stream.preview(14) == "First Citizen:"
    load_shakespeare()
    assert server.requests == ["/play.txt"]


def test_no_network_is_said_in_words(tmp_path, monkeypatch):
    def offline(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    with pytest.raises(DataError, match=r"could not be looked up \(no network connection\?\)"):
        fetch("https://example.org/input.txt", BODY_SHA256, cache_dir=tmp_path, retries=0)
