"""Hypothesis strategies for model specs, shared by the property tests."""

from hypothesis import strategies as st

from gradbench import Spec


def mlp_specs(
    layers=4, hidden=9, inputs=6, outputs=4, batch=5, activations=("sigmoid", "tanh"), bias=(True,), dtypes=("float64",)
):
    """Random MLP specs up to the given sizes, seeded at random."""
    return st.builds(
        Spec,
        layers=st.integers(1, layers),
        hidden=st.integers(1, hidden),
        inputs=st.integers(1, inputs),
        outputs=st.integers(1, outputs),
        batch=st.integers(1, batch),
        activation=st.sampled_from(list(activations)),
        bias=st.sampled_from(list(bias)),
        dtype=st.sampled_from(list(dtypes)),
        seed=st.integers(0, 2**31),
    )
