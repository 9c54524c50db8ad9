"""The counting baseline of notebook 05 (rnn_course.ngram): smoothed counts and a loss comparable with the RNN's."""
import math

import pytest

import rnn_core as rc
from rnn_course.ngram import NGramModel


def test_ngram_probabilities_are_smoothed_counts():
    model = NGramModel(order=2, k=1.0).fit(["ab", "aa"])
    # alphabet {., a, b}: after "^": a twice; after "a": b once, a once, "." once; after "b": "." once.
    assert model.alphabet == [".", "a", "b"]
    assert model.probability("", "a") == pytest.approx((2 + 1) / (2 + 3))
    assert model.probability("a", "b") == pytest.approx((1 + 1) / (3 + 3))
    assert model.probability("xb", ".") == pytest.approx((1 + 1) / (1 + 3))    # only the last character counts
    expected = -(math.log(3 / 5) + math.log(2 / 6) + math.log(2 / 4)) / 3           # "ab" = ^→a, a→b, b→.
    assert model.mean_loss(["ab"]) == pytest.approx(expected)
    for order in (1, 2, 3):                                           # each context sums to one
        fitted = NGramModel(order=order, k=0.5).fit(["abc", "bca", "cab"])
        for context in ("", "a", "bc", "ca"):
            assert sum(fitted.probability(context, c) for c in fitted.alphabet) == pytest.approx(1.0)


def test_ngram_unigram_loss_and_held_out_letters():
    uniform = NGramModel(order=1, k=1.0).fit(["ab"])
    assert uniform.mean_loss(["ab"]) == pytest.approx(math.log(3))   # a, b, . once each: uniform
    with pytest.raises(ValueError, match="has the character 'z'.*pass vocabulary="):
        uniform.mean_loss(["az"])
    full = NGramModel(order=2, vocabulary={c: i for i, c in enumerate(".^abz")}).fit(["ab"])
    assert full.alphabet == [".", "a", "b", "z"] and math.isfinite(full.mean_loss(["az"]))
    with pytest.raises(ValueError, match="call fit"):
        NGramModel(order=2).mean_loss(["ab"])


def test_ngram_loss_is_comparable_with_the_rnn_loss_on_start_marked_words():
    """Both predict every letter and the end marker: the same number of steps per word."""
    words = ["abc", "abd", "ab"]
    char_to_idx, _ = rc.vocabulary_from_words(words, start=True)
    X, Y, mask = rc.prepare_sequences(words, char_to_idx, start=True)
    assert mask.sum() == sum(len(word) + 1 for word in words)
    model = NGramModel(order=3, k=0.01, vocabulary=char_to_idx).fit(words)
    assert model.mean_loss(words) < NGramModel(order=1, k=0.01, vocabulary=char_to_idx).fit(words).mean_loss(words)
