"""The initial weights: the lecture's small random W_hh, orthogonal and identity; bad settings refused."""
import numpy as np
import pytest

from rnn_core import VanillaRNN


def test_the_three_initialisations_of_whh():
    lecture = VanillaRNN(3, 6, 4, seed=7, backend="numpy")
    orthogonal = VanillaRNN(3, 6, 4, seed=7, backend="numpy", init="orthogonal", whh_scale=0.9)
    identity = VanillaRNN(3, 6, 4, seed=7, backend="numpy", init="identity", whh_scale=0.5)
    assert np.std(lecture.Whh) < 0.03                                  # randn * 0.01
    np.testing.assert_allclose(orthogonal.Whh @ orthogonal.Whh.T, 0.81 * np.eye(6), atol=1e-12)
    np.testing.assert_array_equal(identity.Whh, 0.5 * np.eye(6))
    for other in (orthogonal, identity):                              # the same seed, the same rest
        np.testing.assert_array_equal(other.Wxh, lecture.Wxh)
        np.testing.assert_array_equal(other.Why, lecture.Why)
    default_scale = VanillaRNN(3, 6, 4, seed=7, backend="numpy", init="orthogonal")
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(default_scale.Whh)), 1.0, atol=1e-12)
    assert not np.allclose(default_scale.Whh, VanillaRNN(3, 6, 4, seed=8, backend="numpy", init="orthogonal").Whh)


@pytest.mark.parametrize("kwargs, message", [
    ({"init": "xavier"}, "init='xavier'; expected one of 'lecture', 'orthogonal', 'identity'"),
    ({"whh_scale": 0.5}, "whh_scale applies to init='orthogonal' or 'identity'"),
    ({"init": "identity", "whh_scale": -1.0}, "whh_scale must be a finite number > 0"),
])
def test_bad_initialisations_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        VanillaRNN(3, 4, 3, backend="numpy", **kwargs)
