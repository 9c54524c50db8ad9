"""rnn_course.exercises: a check tests the student's function and says plainly where they stand."""
import numpy as np
import pytest

from rnn_course import exercises
from rnn_course.exercises import CheckFailed, NotAttempted


# A small exercise as the notebooks write it: the student's stub, the worked solution beside it
# (found by its name through the stub's globals), and a checker built from the expect_* helpers.
def double(x):
    # YOUR CODE HERE
    return None


def double_solution(x):
    return 2 * np.asarray(x, dtype=float)


def double_checker(function):
    worst = 0.0
    for x in ([1.0, -2.0, 3.5], [[0.5, 4.0]]):
        got = exercises.expect_array(function(x), 2 * np.asarray(x), f"double({x})", tolerance=1e-12)
        worst = max(worst, float(np.max(np.abs(np.asarray(got) - 2 * np.asarray(x)))))
    return f"largest difference {worst:.0e} <= 1e-12"


def run_check(student, checker=double_checker, title="Exercise 1: double"):
    exercises.check(title, checker, student)


def test_the_worked_solution_passes(capsys):
    def double(x):                       # a student who wrote the solution
        return 2 * np.asarray(x, dtype=float)
    assert exercises.check("Exercise 1: double", double_checker, double) is None   # nothing echoed in a cell
    assert capsys.readouterr().out == "Exercise 1: double: all checks passed (largest difference 0e+00 <= 1e-12)\n"


def test_an_untouched_stub_is_not_attempted_and_the_worked_solution_is_shown_passing(capsys):
    run_check(double)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Exercise 1: double: not attempted yet (double(")
    assert "returned None" in lines[0] and "Write double in its cell" in lines[0]
    assert lines[1] == "The worked solution passes: largest difference 0e+00 <= 1e-12"
    assert "all checks passed" not in "\n".join(lines).lower()


def test_without_a_worked_solution_only_not_attempted_is_printed(capsys):
    def lonely(x):                       # no lonely_solution anywhere
        return None
    run_check(lonely)
    out = capsys.readouterr().out
    assert "not attempted yet" in out and "worked solution" not in out


def test_not_implemented_error_means_not_attempted(capsys):
    def double(x):
        raise NotImplementedError
    run_check(double)
    out = capsys.readouterr().out
    assert "not attempted yet (double raises NotImplementedError)" in out
    assert "The worked solution passes" in out


def test_a_wrong_answer_fails_with_expected_got_and_threshold():
    def double(x):
        return 2.1 * np.asarray(x, dtype=float)
    with pytest.raises(CheckFailed) as failure:
        run_check(double)
    message = str(failure.value)
    assert message.startswith("Exercise 1: double: double([1.0, -2.0, 3.5]): entry (2,) should be 7")
    assert "within 1e-12" in message and "got 7.35" in message and "3 of 3 entries differ" in message


def test_a_wrong_shape_and_a_wrong_type_say_what_was_expected():
    with pytest.raises(CheckFailed, match=r"should have shape \(3,\), got ndarray of shape \(2,\)"):
        run_check(lambda x: np.zeros(2))
    with pytest.raises(CheckFailed, match=r"should be an array of shape \(3,\), got dict"):
        run_check(lambda x: {"a": 1})
    with pytest.raises(CheckFailed, match=r"should have shape \(3,\), got float 123.0"):
        run_check(lambda x: 123.0)


def test_an_error_inside_the_students_function_names_the_function_and_the_error():
    def double(x):
        return x * 2.0                   # a list times a float
    with pytest.raises(CheckFailed) as failure:
        run_check(double)
    message = str(failure.value)
    assert message.startswith("Exercise 1: double: calling double raised TypeError: ")
    assert "can't multiply sequence" in message
    assert isinstance(failure.value.__cause__, TypeError)       # the original error, with its traceback


def test_a_result_the_checker_cannot_use_is_a_clear_failure_not_a_crash():
    def pair(x):
        return 123.0

    def checker(function):
        first, second = function(1)      # a checker that unpacks without expect_*
        return "fine"
    with pytest.raises(CheckFailed, match=r"the check could not use what pair returned \(float 123.0\): "
                                          r"TypeError: cannot unpack"):
        run_check(pair, checker)


def test_none_reaching_a_careless_checker_still_means_not_attempted(capsys):
    def pair(x):
        return None

    def checker(function):
        first, second = function(1)
        return "fine"
    run_check(pair, checker)
    assert "not attempted yet (pair returned None)" in capsys.readouterr().out


def triple(x):
    # YOUR CODE HERE
    return None


def triple_solution(x):                  # wrong on purpose: 3.0 whatever x is
    return 3.0


def test_a_worked_solution_that_fails_its_own_check_is_an_error_not_a_pass():
    with pytest.raises(CheckFailed, match="the worked solution triple_solution fails this check: "
                                          r"triple\(1\) should be 3 \(within 0\), got 4, off by 1"):
        exercises.check("Exercise 2: triple", lambda f: exercises.expect_close(f(1) + 1, 3.0, 0, "triple(1)"), triple)


def test_check_refuses_something_that_is_not_a_function():
    with pytest.raises(TypeError, match="expected your function, got NoneType None"):
        exercises.check("Exercise 1", double_checker, None)


# The expect_* helpers ------------------------------------------------------------------------

def test_expect_close():
    assert exercises.expect_close(np.float32(0.5), 0.5, 1e-7, "x") == 0.5
    assert exercises.expect_close(np.array(2.0), 2.0, 0, "x") == 2.0      # a 0-d array is a number
    with pytest.raises(NotAttempted, match=r"x returned None \(expected a number close to 0.5\)"):
        exercises.expect_close(None, 0.5, 1e-3, "x")
    with pytest.raises(CheckFailed, match=r"^x should be 0.5 \(within 0.001\), got 0.6, off by 0.1$"):
        exercises.expect_close(0.6, 0.5, 1e-3, "x")
    with pytest.raises(CheckFailed, match=r"^x should be 0.5 \(within 0.001\), got nan, off by nan$"):
        exercises.expect_close(float("nan"), 0.5, 1e-3, "x")
    with pytest.raises(CheckFailed, match=r"^x should be 0.5 \(within 1e-12\), got 0.5, off by 1e-09$"):
        exercises.expect_close(0.5 + 1e-9, 0.5, 1e-12, "x")      # the difference shows what 6 digits hide
    for wrong_type in ("0.5", [0.5], True, np.zeros(2)):
        with pytest.raises(CheckFailed, match="x should be a number close to 0.5, got"):
            exercises.expect_close(wrong_type, 0.5, 1e-3, "x")


def test_expect_equal_and_expect_type():
    assert exercises.expect_equal("banana", "banana", "word") == "banana"
    with pytest.raises(CheckFailed, match="^word should be 'banana', got 'bananax'$"):
        exercises.expect_equal("bananax", "banana", "word")
    with pytest.raises(NotAttempted):
        exercises.expect_equal(None, "banana", "word")
    assert exercises.expect_type(3, int, "n") == 3
    with pytest.raises(CheckFailed, match="^n should be int, got float 3.0$"):
        exercises.expect_type(3.0, int, "n")
    with pytest.raises(CheckFailed, match="^n should be a Python int, got str"):
        exercises.expect_type("3", int, "n", "a Python int")
    with pytest.raises(NotAttempted, match=r"n returned None \(expected int or float\)"):
        exercises.expect_type(None, (int, float), "n")
    exercises.expect(True, "never shown")
    with pytest.raises(CheckFailed, match="^the sum is not 1$"):
        exercises.expect(False, "the sum is not 1")


def test_expect_array_exact_tolerant_relative_and_non_numeric():
    exercises.expect_array([1, 2], np.array([1, 2]), "a")
    with pytest.raises(CheckFailed, match=r"^a: entry \(1,\) should be 2 exactly, got 3 \(1 of 2 entries differ\)$"):
        exercises.expect_array([1, 3], np.array([1, 2]), "a")
    exercises.expect_array([1.0, 2.0 + 1e-10], [1.0, 2.0], "a", tolerance=1e-9)
    with pytest.raises(CheckFailed, match=r"entry \(0,\) should be 1 \(within 1e-09\), got nan"):
        exercises.expect_array([np.nan, 2.0], [1.0, 2.0], "a", tolerance=1e-9)
    exercises.expect_array([1.0, 2.0], [1.0, 2.0 + 1e-12], "a", relative=1e-9)
    with pytest.raises(CheckFailed, match=r"^a: relative error 4.47e-01 against the expected array; expected below 1e-09$"):
        exercises.expect_array([1.0, 1.0], [1.0, 2.0], "a", relative=1e-9)
    mask = np.array([[True, False], [True, True]])
    exercises.expect_array(mask.copy(), mask, "mask")
    with pytest.raises(CheckFailed, match=r"^mask: entry \(0, 1\) should be False, got True"):
        exercises.expect_array(np.ones((2, 2), bool), mask, "mask")
    with pytest.raises(NotAttempted, match=r"returned None \(expected an array of shape \(2, 2\)\)"):
        exercises.expect_array(None, mask, "mask")


# perturbed: the near misses the notebook tests plant ----------------------------------------

@pytest.mark.parametrize("value", [0.0, -1.0, 2.5, np.float32(1.5), 3, np.int64(4), True, "abc", 1 + 2j,
                                   np.zeros((2, 3)), np.arange(3), np.array([True, False]),
                                   (1.0, "a"), [np.ones(2), 2], {"dW": np.ones((2, 2)), "n": 1}])
def test_perturbed_changes_every_part_of_a_value_it_knows(value):
    wrong = exercises.perturbed(value)
    assert type(wrong) is type(value) or isinstance(value, (bool, np.bool_, np.floating))
    parts = list(value.values()) if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else [value]
    wrong_parts = list(wrong.values()) if isinstance(wrong, dict) else wrong if isinstance(wrong, (tuple, list)) else [wrong]
    for part, wrong_part in zip(parts, wrong_parts):
        assert np.all(np.asarray(part) != np.asarray(wrong_part)), (part, wrong_part)


def test_perturbed_returns_what_it_cannot_change_unchanged():
    assert exercises.perturbed(np) is not np and exercises.perturbed(np).__name__ == "numpy_perturbed"
    model = object()
    assert exercises.perturbed(model) is model


# Diagnosis: a wrong answer that matches a catalogued mistake is named -----------------------

from rnn_course.mistakes import CATALOGUE, Mistake  # noqa: E402

HALF_MISTAKES = [Mistake("a factor 2 too many", "Look at equation (9.9).", lambda x: 4 * np.asarray(x, dtype=float)),
                 Mistake("the sign is flipped", "Look at section 9.", lambda x: -2 * np.asarray(x, dtype=float))]


def test_a_catalogued_mistake_is_named_with_where_to_look_besides_expected_and_got():
    def double(x):
        return -2 * np.asarray(x, dtype=float)
    with pytest.raises(CheckFailed) as failure:
        exercises.check("Exercise 1: double", double_checker, double, mistakes=HALF_MISTAKES)
    message = str(failure.value)
    assert message.startswith("Exercise 1: double: double([1.0, -2.0, 3.5]): entry (2,) should be 7")
    assert message.endswith("\nThis looks like a known mistake: the sign is flipped. Look at section 9.")
    assert "a factor 2 too many" not in message


def test_an_unknown_wrong_answer_gets_the_plain_message():
    def double(x):
        return 2.1 * np.asarray(x, dtype=float)
    with pytest.raises(CheckFailed) as failure:
        exercises.check("Exercise 1: double", double_checker, double, mistakes=HALF_MISTAKES)
    assert "known mistake" not in str(failure.value)


def test_a_mistake_must_match_every_call_not_only_the_failing_one():
    def double(x):                        # right on the first input, like the mistake only on the second
        x = np.asarray(x, dtype=float)
        return 2 * x if x.ndim == 1 else 4 * x
    with pytest.raises(CheckFailed) as failure:
        exercises.check("Exercise 1: double", double_checker, double, mistakes=HALF_MISTAKES)
    assert "known mistake" not in str(failure.value)


def test_a_right_answer_and_a_stub_are_never_diagnosed(capsys):
    exercises.check("Exercise 1: double", double_checker, double_solution, mistakes=HALF_MISTAKES)
    assert "all checks passed" in capsys.readouterr().out
    exercises.check("Exercise 1: double", double_checker, double, mistakes=HALF_MISTAKES)
    assert "not attempted yet" in capsys.readouterr().out


def test_a_function_that_changes_its_inputs_in_place_is_told_so_and_the_inputs_are_restored():
    data = {"W": np.arange(4.0)}

    def scale(grads):
        grads["W"] *= 10.0                 # in place: the caller's array changes
        return grads["W"]

    def checker(function):
        expected = data["W"] * 10.0
        exercises.expect_array(function(data), expected, "scale(data)", tolerance=0)
        return "ok"
    with pytest.raises(CheckFailed, match=r"scale changed grads\['W'\] in place"):
        exercises.check("Exercise 3: scale", checker, scale, mistakes=())
    assert np.array_equal(data["W"], np.arange(4.0))         # put back by the check


def test_expect_arrays_reports_every_part_right_and_wrong():
    expected = {"Why": np.ones(2), "by": np.ones(1), "Wxh": np.ones(3)}
    got = {"Why": np.ones(2), "by": np.ones(1), "Wxh": 2 * np.ones(3)}
    with pytest.raises(CheckFailed, match=r"^grads: Why, by right; Wxh wrong \(Wxh: relative error 1.00e\+00"):
        exercises.expect_arrays(got, expected, "grads", relative=1e-9)
    with pytest.raises(CheckFailed, match=r"grads lacks the keys \['by'\]"):
        exercises.expect_arrays({"Why": np.ones(2), "Wxh": np.ones(3)}, expected, "grads", relative=1e-9)
    assert exercises.expect_arrays(expected, expected, "grads", relative=1e-9) is expected


def test_perturb_in_place_changes_every_array_inside_and_counts_them():
    value = ({"a": np.zeros(2), "b": [np.ones(3)]}, np.arange(2), "text", 3.0)
    assert exercises.perturb_in_place(value) == 3
    assert not np.any(value[0]["a"] == 0) and np.array_equal(value[1], [1, 2])


def test_the_catalogue_is_data_every_entry_named_with_a_hint_and_callable():
    """The generic test that plants every entry is the exercise audit (make test's nbval pass)."""
    import json
    from pathlib import Path
    stubs = set()
    for path in (Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and "# YOUR CODE HERE" in source:
                stubs.update(line.split("(")[0][4:] for line in source.splitlines() if line.startswith("def "))
    assert set(CATALOGUE) <= stubs, f"catalogued exercises without a stub: {sorted(set(CATALOGUE) - stubs)}"
    for key, mistakes in CATALOGUE.items():
        assert len(mistakes) >= 3, f"{key}: at least three usual mistakes"
        names = [m.name for m in mistakes]
        assert len(set(names)) == len(names), f"{key}: two mistakes share a name"
        for mistake in mistakes:
            assert mistake.name and mistake.hint and callable(mistake.wrong), (key, mistake)


# Predict, then run ---------------------------------------------------------------------------

def test_compare_prediction_says_how_close_and_never_fails(capsys):
    exercises.compare_prediction(None, 0.665, "the probability", digits=3)
    exercises.compare_prediction(0.7, 0.665, "the probability")
    exercises.compare_prediction(0.5, 0.665, "the probability")
    exercises.compare_prediction(0.1, 0.000977, "the ratio")
    exercises.compare_prediction("b", "b", "the answer", choices="abc")
    exercises.compare_prediction("a", "b", "the answer", choices="abc")
    exercises.compare_prediction("seven", 7.0, "the count")
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "No prediction yet: write yours in the cell above, run it, then run this cell. Measured the probability: 0.665.",
        "Your prediction 0.7; measured the probability: 0.665. Close: within 10 %.",
        "Your prediction 0.5; measured the probability: 0.665. The right size, off by 25 %.",
        "Your prediction 0.1; measured the ratio: 0.000977. Off by a factor of 102: too large.",
        "Your prediction 'b' is right. Measured the answer: 'b'.",
        "Your prediction 'a'; measured the answer: 'b'. Work out why before you read on.",
        "Your prediction should be a number, got str 'seven'. Measured the count: 7.",
    ]
