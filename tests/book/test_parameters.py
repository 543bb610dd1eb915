"""A reader's bad notebook parameter stops the notebook at the parameters cell with a clear message."""
from __future__ import annotations

import jupytext
import papermill
import pytest


@pytest.mark.parametrize("parameters, message", [
    ({"profile": "fast"}, "profile must be one of 'smoke', 'book', 'paper'; got 'fast'"),
    ({"profile": "smoke", "example_width": -3}, "example_width must be a positive integer, got -3"),
    ({"profile": "smoke", "floor_targets": ["I.99.9"]}, "floor_targets: unknown equation 'I.99.9'"),
    ({"profile": "smoke", "scaling_sizes": []}, "scaling_sizes must be a non-empty list of positive integers"),
])
def test_invalid_parameter_stops_with_a_clear_message(root, tmp_path, parameters, message):
    nb = jupytext.read(root / "book" / "introduction.md")
    with pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(nb, str(tmp_path / "out.ipynb"), parameters=parameters, cwd=str(root / "book"),
                                   kernel_name="python3", progress_bar=False)
    assert err.value.ename == "ValueError" and message in err.value.evalue
    # it stopped at the cell that resolves the parameters, before any experiment ran
    assert "profiles.resolve" in err.value.traceback[-1] or "resolve" in "".join(err.value.traceback)
