"""CI draws the same Hypothesis examples on every run, with no deadline (numba compiles inside
the first examples); tests/conftest.py loads that profile unless HYPOTHESIS_PROFILE says
otherwise."""
import os

import pytest
from hypothesis import settings


@pytest.mark.skipif(os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci",
                    reason="another Hypothesis profile was asked for")
def test_the_ci_profile_is_deterministic_and_has_no_deadline():
    assert settings.default.derandomize
    assert settings.default.deadline is None
