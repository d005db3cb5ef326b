"""What the layering rests on: every corpus kind keeps the Corpus protocol, every head kind a
spec may name has its module (or belongs to the handwriting networks), and every demo's corpus
is a Corpus at run time."""

from __future__ import annotations

import inspect

import pytest

from workbench.engine.data import DEMOS, load_demo
from workbench.engine.data.base import Corpus
from workbench.engine.data.corpus import corpus_kinds
from workbench.engine.model.heads import HEADS
from workbench.engine.spec import HEAD_KINDS

PROTOCOL_MEMBERS = sorted(name for name in vars(Corpus) if not name.startswith("_") and name not in {"kind"}) + ["kind"]


@pytest.mark.parametrize("kind", sorted(corpus_kinds()))
def test_every_kind_of_corpus_has_every_member_of_the_protocol(kind):
    corpus = corpus_kinds()[kind]
    missing = [name for name in PROTOCOL_MEMBERS if not hasattr(corpus, name)]
    assert not missing, f"{corpus.__name__} lacks {missing}"
    assert corpus.kind == kind
    for name in ("batcher", "task", "check_fits"):
        protocol = list(inspect.signature(getattr(Corpus, name)).parameters)
        assert list(inspect.signature(getattr(corpus, name)).parameters)[: len(protocol)] == protocol, name


@pytest.mark.parametrize("kind", sorted(corpus_kinds()))
def test_a_corpus_the_probes_read_gives_an_example_to_read(kind):
    corpus = corpus_kinds()[kind]
    assert hasattr(corpus, "probe_example") == (kind not in {"pairs", "scenes", "strokes"})


def test_a_demo_corpus_is_a_corpus_and_something_else_is_not():
    assert isinstance(load_demo(next(iter(DEMOS))), Corpus)
    assert not isinstance(object(), Corpus)


def test_every_head_kind_but_the_pen_mixture_has_a_module_and_no_module_lacks_a_kind():
    assert set(HEADS) == set(HEAD_KINDS) - {"mixture_density"}
    assert all(kind.title for kind in HEAD_KINDS.values())
