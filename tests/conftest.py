import os

# Before torch is imported: one OpenMP thread that sleeps when idle, since on 2 cores more
# threads fight each other (and the GUI thread).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from tiny import write_lines_corpus, write_text_corpus  # noqa: E402


@pytest.fixture
def text_corpus(tmp_path):
    return write_text_corpus(tmp_path)


@pytest.fixture
def lines_corpus(tmp_path):
    return write_lines_corpus(tmp_path)
