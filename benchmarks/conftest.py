import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    """The same BLAS thread count for every benchmark and for the torch peer."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield
