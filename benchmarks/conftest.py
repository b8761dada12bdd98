import pytest

from gradbench.measure.conditions import pinned


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    """The same BLAS thread count for every benchmark and for the torch peer."""
    with pinned(1):
        yield
