"""Fixtures of the widget tests (the shared ones are in tests/conftest.py)."""
import pytest


@pytest.fixture
def default_look(qapp):
    """After the test, the look is the default again: 100% zoom, the light theme (for tests
    that zoom, present or switch themes: ``pytestmark = pytest.mark.usefixtures(...)``)."""
    from widgets import theme
    yield
    theme.apply(qapp)
