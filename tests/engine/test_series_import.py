"""Series CSVs as real files come: gaps, columns that count time, delimiters, encodings, short series."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from tiny import TINY_CONFIG

from workbench.engine.common.errors import DataError
from workbench.engine.data.series import SeriesCorpus, load_series_csv, longest_seq_len, survey_series_csv
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec

GAPPY = """date,level,flow
d1,,5
d2,2,6
d3,,7
d4,4,
d5,5,9
d6,6,10
d7,5,11
d8,4,12
d9,3,13
d10,2,14
d11,1,15
d12,,16
"""  # level: gaps on lines 2, 4 and 13 (one before its first value, one at the end); flow: line 5


def with_column(text: str, name: str, cell: str) -> str:
    """``text`` with a column ``name`` whose every cell is ``cell``."""
    header, *rows = text.splitlines()
    return "\n".join([f"{header},{name}"] + [f"{row},{cell}" for row in rows]) + "\n"


def write(tmp_path, text: str, name: str = "series.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def wavy_rows(count: int) -> list[str]:
    return [f"{np.sin(i):.4f},{np.cos(i / 3):.4f}" for i in range(count)]


# Gaps


def test_a_gap_is_refused_by_default_naming_its_line_and_the_fills(tmp_path):
    with pytest.raises(
        DataError,
        match=r"series.csv, line 2, column 'level': the value is missing \(4 gaps in all\)"
        r".*'forward'.*'linear'.*'drop'.*--fill",
    ):
        load_series_csv(write(tmp_path, GAPPY))


def test_forward_fill_carries_the_value_before(tmp_path):
    corpus = load_series_csv(write(tmp_path, GAPPY), fill="forward")
    np.testing.assert_array_equal(corpus.values()[:, 0], [2, 2, 2, 4, 5, 6, 5, 4, 3, 2, 1, 1])  # the first from after
    np.testing.assert_array_equal(corpus.values()[:4, 1], [5, 6, 7, 7])
    assert corpus.description["fill"] == "forward"
    assert corpus.description["notes"] == {
        "gaps": "Filled 4 gaps (level: 3, flow: 1) by carrying the value before forward."
    }


def test_linear_fill_draws_straight_lines_and_holds_the_ends(tmp_path):
    corpus = load_series_csv(write(tmp_path, GAPPY), fill="linear")
    np.testing.assert_array_equal(corpus.values()[:, 0], [2, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1, 1])
    np.testing.assert_array_equal(corpus.values()[3, 1], 8)


def test_drop_leaves_out_the_rows_with_a_gap_and_says_the_spacing_breaks(tmp_path):
    corpus = load_series_csv(write(tmp_path, GAPPY + "".join(f"e{i},{i},{i}\n" for i in range(5))), fill="drop")
    assert corpus.stats()["steps"] == 17 - 4
    np.testing.assert_array_equal(corpus.values()[:3], [[2, 6], [5, 9], [6, 10]])
    assert "Dropped 4 rows with a gap" in corpus.description["notes"]["gaps"]
    assert "not evenly spaced" in corpus.description["notes"]["gaps"]


def test_an_unknown_fill_and_a_column_of_only_gaps_are_refused(tmp_path):
    with pytest.raises(DataError, match="the gap fill must be one of forward, linear, drop, not 'mean'"):
        load_series_csv(write(tmp_path, GAPPY), fill="mean")
    empty = write(tmp_path, with_column(GAPPY, "none", ""), "e.csv")
    with pytest.raises(DataError, match="column 'none' holds no values, only gaps"):
        load_series_csv(empty, columns=["level", "none"], fill="linear")


# Columns that count time


def test_a_year_column_is_not_modelled_by_default_and_the_user_is_told(tmp_path):
    text = "YEAR,SUNACTIVITY\n" + "".join(f"{1700 + i}.0,{abs(50 * np.sin(i / 2)):.1f}\n" for i in range(40))
    corpus = load_series_csv(write(tmp_path, text))
    assert corpus.columns == ("SUNACTIVITY",) and corpus.description["left_out"] == ["YEAR"]
    assert corpus.description["notes"] == {
        "columns": "Left out YEAR (it rises by 1 every row, like an index or a date); name it among the columns to "
        "model it."
    }
    asked = load_series_csv(write(tmp_path, text), columns=["YEAR", "SUNACTIVITY"])
    assert asked.columns == ("YEAR", "SUNACTIVITY") and asked.description["notes"] == {}


@pytest.mark.parametrize(
    "name, values, reason",
    [
        ("step", [f"{0.25 * i:g}" for i in range(12)], "it rises by 0.25 every row"),
        ("timestamp", [f"{i * i}" for i in range(12)], "named 'timestamp'"),
        ("", [f"{i * i}" for i in range(12)], "no name, like an index"),
    ],
)
def test_columns_that_count_time_are_found_by_their_steps_or_their_name(tmp_path, name, values, reason):
    rows = wavy_rows(12)
    text = f"{name},a,b\n" + "".join(f"{value},{row}\n" for value, row in zip(values, rows))
    survey = survey_series_csv(write(tmp_path, text))
    assert reason in survey.index_like[name] and survey.default_columns == ("a", "b")
    assert load_series_csv(write(tmp_path, text)).columns == ("a", "b")


def test_a_rising_measurement_is_modelled(tmp_path):
    text = "level\n" + "".join(f"{i + (i % 3) * 0.3:.1f}\n" for i in range(20))  # rises, unevenly
    assert load_series_csv(write(tmp_path, text)).columns == ("level",)


def test_a_file_whose_every_number_counts_time_is_refused_in_words(tmp_path):
    text = "index,when\n" + "".join(f"{i},t{i}\n" for i in range(12))
    with pytest.raises(DataError, match=r"every column of numbers counts time \(index \(it rises by 1.*name the col"):
        load_series_csv(write(tmp_path, text))


# What the import dialog is shown


def test_the_survey_offers_the_columns_their_gaps_and_the_rows_a_drop_leaves(tmp_path):
    text = with_column(GAPPY, "note", "x").replace("d3,,7,x", "d3,,7,1")
    survey = survey_series_csv(write(tmp_path, text))
    assert survey.header == ("date", "level", "flow", "note") and survey.numeric == ("level", "flow")
    assert survey.rows == 12 and survey.gaps(("level",)) == 3 and survey.gaps(("level", "flow")) == 4
    assert survey.gap_lines == {"level": 2, "flow": 5} and survey.index_like == {}
    assert survey.steps_after(("level", "flow"), "drop") == 8 and survey.steps_after(("flow",), "drop") == 11
    assert survey.steps_after(("level", "flow"), "linear") == 12 and "note" not in survey.unreadable
    broken = survey_series_csv(write(tmp_path, GAPPY.replace("d5,5,9", "d5,five,9"), "b.csv"))
    assert broken.numeric == ("flow",) and broken.unreadable == {"level": "line 6: 'five' is not a number"}


# Delimiters, encodings, fractions


def test_a_delimiter_can_be_given_and_is_guessed_otherwise(tmp_path):
    text = "a|b\n" + "".join(row.replace(",", "|") + "\n" for row in wavy_rows(12))
    assert load_series_csv(write(tmp_path, text), delimiter="|").columns == ("a", "b")
    with pytest.raises(DataError, match="no column holds numbers"):
        load_series_csv(write(tmp_path, text))
    tabbed = write(tmp_path, text.replace("|", "\t"), "t.tsv")
    assert load_series_csv(tabbed, delimiter="tab").columns == load_series_csv(tabbed).columns == ("a", "b")
    with pytest.raises(DataError, match="the delimiter must be one character"):
        load_series_csv(tabbed, delimiter="||")


def test_a_latin1_file_is_refused_naming_the_encoding_to_give_and_read_when_given(tmp_path):
    path = write(tmp_path, "température,pluie\n" + "\n".join(wavy_rows(12)) + "\n", "meteo.csv", "latin-1")
    with pytest.raises(DataError, match=r"meteo.csv.*not UTF-8.*latin-1"):
        load_series_csv(path)
    assert load_series_csv(path, encoding="latin-1").columns == ("température", "pluie")
    with pytest.raises(DataError, match="'klingon' is not a text encoding"):
        load_series_csv(path, encoding="klingon")


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1])
def test_a_validation_fraction_outside_0_and_1_is_refused_before_the_file_is_read(tmp_path, fraction):
    with pytest.raises(DataError, match=f"validation fraction must be between 0 and 1, not {fraction}"):
        load_series_csv(tmp_path / "absent.csv", val_fraction=fraction)


def test_the_validation_fraction_sets_the_split(tmp_path):
    corpus = load_series_csv(write(tmp_path, "a,b\n" + "\n".join(wavy_rows(40)) + "\n"), val_fraction=0.25)
    assert (corpus.stats()["train_steps"], corpus.stats()["val_steps"]) == (30, 10)


# A short series: the sequence length that fits


def test_a_short_series_says_the_longest_sequence_length_its_parts_fit():
    corpus = SeriesCorpus.from_values(np.sin(np.arange(309.0))[:, None], ("spots",), "sunspots.csv", "s")
    assert corpus.stats()["val_steps"] == 31 and corpus.fitting_seq_len() == 30 == longest_seq_len(309)
    assert corpus.fitting_seq_len(12) == 12
    corpus.check_fits(32, 30)
    with pytest.raises(DataError, match="validation part has 31 steps.*use a sequence length of at most 30"):
        corpus.check_fits(32, 100)
    long = SeriesCorpus.from_values(np.sin(np.arange(5000.0))[:, None], ("x",), "t", "t")
    assert long.fitting_seq_len() == 100 and longest_seq_len(5000) == 499


def test_differencing_costs_the_training_part_a_step():
    assert longest_seq_len(20, 0.5) == 9 and longest_seq_len(20, 0.5, differencing=True) == 8
    assert longest_seq_len(10, 0.8, differencing=1) == 0  # two training steps hold one change: no window


def test_what_the_import_did_is_kept_in_the_project(tmp_path):
    text = "YEAR,level\n" + "".join(f"{1900 + i},{'' if i == 3 else i % 5}\n" for i in range(40))
    corpus = load_series_csv(write(tmp_path, text), fill="linear", differencing=True)
    spec = from_template("stacked", corpus.task(), RecurrentSpec("gru", 8, 1))
    project = Project.create(spec, corpus, replace(TINY_CONFIG, seq_len=3))
    project.save(tmp_path / "p.h5")
    again = Project.open(tmp_path / "p.h5")
    try:
        description = again.corpus.description
        assert (description["fill"], description["left_out"], description["differencing"]) == ("linear", ["YEAR"], 1)
        assert set(description["notes"]) == {"columns", "gaps", "differencing"}
    finally:
        again.close()
        project.close()
