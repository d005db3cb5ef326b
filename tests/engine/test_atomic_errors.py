"""A file that cannot be written is named as the user named it, not by our hidden temporary."""

import pytest

from workbench.engine.common.atomic import write_atomically


def test_a_failed_write_names_the_target(tmp_path):
    target = tmp_path / "missing" / "model.safetensors"
    with pytest.raises(FileNotFoundError) as caught:
        write_atomically(target, lambda temporary: temporary.write_bytes(b"weights"))
    assert caught.value.filename == str(target)
