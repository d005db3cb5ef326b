import os

import pyqtgraph as pg
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pg.setConfigOptions(imageAxisOrder="row-major")


@pytest.fixture
def lm_spec():
    from workbench.engine.spec import RecurrentSpec
    from workbench.engine.templates import from_template, language_model_task

    return from_template("stacked", language_model_task(53, 64), RecurrentSpec("lstm", 128, 2))
