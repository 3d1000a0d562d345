import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Library files go to a fresh folder per test (to check what was, or was not, written)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
