"""The options every import shares: the file's encoding and the share held out for validation."""

from __future__ import annotations

import pytest

from workbench.engine.common.errors import DataError
from workbench.engine.data.labelled_files import load_conll
from workbench.engine.data.lines import load_lines_file
from workbench.engine.data.own_data import load_own_data
from workbench.engine.data.pairs import load_pairs_file
from workbench.engine.data.text_streaming import load_text_file

LOADERS = [load_text_file, load_lines_file, load_pairs_file, load_conll]


@pytest.mark.parametrize("load", LOADERS)
def test_every_loader_reads_the_encoding_it_is_given(tmp_path, load):
    path = tmp_path / "latin1.txt"
    path.write_bytes("café\tcafé\nthé\tthé\n\nété\tété\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8 text"):
        load(path)
    corpus = load(path, encoding="latin-1")
    assert "é" in corpus.preview()


@pytest.mark.parametrize("load", LOADERS)
def test_every_loader_checks_its_validation_fraction_before_reading(tmp_path, load):
    with pytest.raises(DataError, match="the validation fraction must be between 0 and 1, not 1"):
        load(tmp_path / "absent.txt", val_fraction=1)


def test_own_data_passes_each_loader_the_options_it_takes(tmp_path):
    table = tmp_path / "names.csv"
    table.write_bytes("".join(f"Zoë{i};{'ab'[i % 2]}\n" for i in range(20)).join(["name;kind\n", ""]).encode("cp1252"))
    corpus = load_own_data(table, "table", "char", "name", "kind", encoding="cp1252", val_fraction=0.5)
    assert corpus.stats()["val_items"] == 10 and corpus.stats()["delimiter"] == "semicolon"
    tagged = tmp_path / "tags.conllu"
    word = "{}\t{}\t{}\tNOUN\tNN\t_\t0\troot\t_\t_\n"
    tagged.write_text("".join(word.format(1, form, form.lower()) + "\n" for form in ("Cats", "Dogs", "Owls", "Emus")))
    corpus = load_own_data(tagged, "tagged", token_column="lemma", tag_column="xpos", val_fraction=0.25)
    assert corpus.label_names == ("NN",) and corpus.stats()["val_items"] == 1
    assert set(corpus.vocab.tokens) >= {"cats", "dogs"} and corpus.stats()["token_column"] == "LEMMA"
    series = tmp_path / "series.csv"
    series.write_text("t,x\n" + "".join(f"{i},{i % 7}\n" for i in range(100)))
    corpus = load_own_data(series, "series", columns=["x"], series_options={"val_fraction": 0.3})
    assert corpus.description["val_fraction"] == 0.3
