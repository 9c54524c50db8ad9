"""Self-checks for the notebooks' exercises: they test *your* function, never the hidden solution.

An exercise in a notebook is three cells:

1. your cell: a stub ``def memoryless_floor(word): ...`` marked ``# YOUR CODE HERE`` that
   returns ``None`` until you write it;
2. a hidden worked solution, ``def memoryless_floor_solution(word): ...`` (a different name, so
   it never replaces yours);
3. a check cell: a checker function that raises on a wrong answer and returns a one-line
   summary, then ``exercises.check("Exercise 1: ...", checker, memoryless_floor)``.

``check`` prints one of three things:

- ``not attempted yet``: your function still returns ``None`` (or raises ``NotImplementedError``);
  the notebook goes on running. If the worked solution is defined it is checked too, so the
  stored outputs prove that the check itself works.
- a ``CheckFailed`` error: your answer is wrong; the message says what was expected, what your
  function gave, and the tolerance. An error raised inside your function is reported the same
  way, naming your function and the original error (shown above it in the traceback).
- ``all checks passed``, with the figures the checker measured.

A wrong answer that matches a usual mistake gets a diagnosis as well: ``rnn_course.mistakes``
holds, per exercise (the student's function name), the mistakes students make there, each as a
planted wrong implementation. While the checker runs, every call of your function is replayed on
copies of the same inputs through each catalogued mistake; when the checker fails and one mistake
gave exactly what your function gave on every call, the message names it and says where to look
(the equation, the lecture section). It never shows the right code. A function that changes the
arrays passed to it fails at once with a message that says so (the check restores them first), so
no expected value is computed from inputs your function has already changed.

Checkers are written with the ``expect_*`` helpers below, which turn ``None`` into "not attempted"
and a wrong type into a clear message instead of a ``TypeError`` deep inside numpy.
"""
import copy
import inspect
import numbers
import types
import warnings

import numpy as np

__all__ = ["CheckFailed", "NotAttempted", "check", "expect", "expect_close", "expect_equal",
           "expect_array", "expect_arrays", "expect_type", "perturbed", "perturb_in_place",
           "compare_prediction", "require_passed"]

# What the last check of each student function (by name) said: (title, "passed" or the reason it was
# not attempted). A grader's test cell calls require_passed after the check (tools/make_assignments.py).
_outcomes = {}


class CheckFailed(AssertionError):
    """Your function gave a wrong answer (the message says what was expected)."""


class NotAttempted(Exception):
    """Your function is still the stub: it returned ``None`` or raised ``NotImplementedError``."""


def _describe(value):
    """A short description of ``value`` for messages: its type, and its shape for arrays."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"{type(value).__name__} of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def _not_none(got, what, expected_kind):
    if got is None:
        raise NotAttempted(f"{what} returned None (expected {expected_kind})")


def expect_type(got, types, what, expected_kind=None):
    """``got`` must be an instance of ``types`` (a type or a tuple of types); ``None`` means not attempted."""
    if expected_kind is None:
        expected_kind = " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
    _not_none(got, what, expected_kind)
    if not isinstance(got, types):
        raise CheckFailed(f"{what} should be {expected_kind}, got {_describe(got)}")
    return got


def expect(condition, message):
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(message)


def expect_close(got, expected, tolerance, what):
    """A number within ``tolerance`` (absolute) of ``expected``."""
    _not_none(got, what, f"a number close to {expected:.6g}")
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (numbers.Real, np.floating, np.integer)) \
            and not (hasattr(got, "shape") and got.shape == () and np.issubdtype(got.dtype, np.number)):
        raise CheckFailed(f"{what} should be a number close to {expected:.6g}, got {_describe(got)}")
    got = float(got)
    if not abs(got - expected) <= tolerance:
        raise CheckFailed(f"{what} should be {expected:.6g} (within {tolerance:g}), got {got:.6g}, "
                          f"off by {abs(got - expected):.3g}")
    return got


def expect_equal(got, expected, what):
    """Exactly ``expected`` (strings, integers, tuples, ...)."""
    _not_none(got, what, repr(expected))
    if got != expected:
        raise CheckFailed(f"{what} should be {expected!r}, got {got!r}")
    return got


def _show(value):
    """A number at 6 significant digits, anything else as its repr."""
    if isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return f"{value:.6g}"
    return repr(value.item() if isinstance(value, np.generic) else value)


def expect_array(got, expected, what, tolerance=None, relative=None):
    """An array with ``expected``'s shape whose entries match within ``tolerance`` (absolute; exact
    when omitted) or, with ``relative``, within that relative error ‖got − expected‖ / ‖expected‖.
    CuPy arrays are compared on the host."""
    expected = np.asarray(expected)
    _not_none(got, what, f"an array of shape {expected.shape}")
    numeric = np.issubdtype(expected.dtype, np.number) and not np.issubdtype(expected.dtype, np.bool_)
    try:
        from rnn_core.backend import to_numpy
        got_host = np.asarray(to_numpy(got), dtype=np.result_type(expected.dtype, np.float64) if numeric else None)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what} should be an array of shape {expected.shape}, got {_describe(got)}") from None
    if got_host.shape != expected.shape:
        raise CheckFailed(f"{what} should have shape {expected.shape}, got {_describe(got)}")
    if relative is not None:
        error = float(np.linalg.norm(got_host - expected) / max(np.linalg.norm(expected), 1e-300))
        if not error <= relative:      # NaN fails too
            raise CheckFailed(f"{what}: relative error {error:.2e} against the expected array; expected below {relative:g}")
        return got
    if numeric:
        difference = np.abs(got_host - expected)
        wrong = ~(difference <= (0.0 if tolerance is None else tolerance))
        score = np.where(np.isnan(difference), np.inf, difference)
    else:
        wrong = got_host != expected
        score = wrong
    if np.any(wrong):
        worst = np.unravel_index(np.argmax(score), expected.shape)
        within = f" (within {tolerance:g})" if numeric and tolerance else " exactly" if numeric else ""
        raise CheckFailed(f"{what}: entry {tuple(int(i) for i in worst)} should be {_show(expected[worst])}"
                          f"{within}, got {_show(got_host[worst])} ({int(np.sum(wrong))} of {wrong.size} entries differ)")
    return got


def expect_arrays(got, expected, what, relative):
    """A dict of arrays (gradients, say) whose every entry is within relative error ``relative`` of
    ``expected``'s. Every part is tested before anything fails, and the failure lists which parts
    are right and which are wrong: "Why, by right; Wxh, Whh, bh wrong (relative errors ...)"."""
    expect_type(got, dict, what, f"a dict of the arrays {', '.join(expected)}")
    missing = [name for name in expected if name not in got]
    expect(not missing, f"{what} lacks the keys {missing}; expected the keys {list(expected)}")
    right, wrong = [], []
    for name, reference in expected.items():
        try:
            expect_array(got[name], reference, f"{name}", relative=relative)
            right.append(name)
        except CheckFailed as failure:
            wrong.append((name, str(failure)))
        except NotAttempted:
            wrong.append((name, f"{name} is None"))
    if wrong:
        parts = (f"{', '.join(right)} right; " if right else "none right; ") + f"{', '.join(n for n, _ in wrong)} wrong"
        raise CheckFailed(f"{what}: {parts} ({'; '.join(message for _, message in wrong)})")
    return got


def _arrays_in(value, label, depth=0):
    """(label, array) for every numpy array in ``value``: itself, inside dicts, lists and tuples,
    and in a model's ``params`` dict."""
    if isinstance(value, np.ndarray):
        yield label, value
    elif depth > 3:
        return
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _arrays_in(item, f"{label}[{key!r}]", depth + 1)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _arrays_in(item, f"{label}[{index}]", depth + 1)
    elif isinstance(getattr(value, "params", None), dict):
        yield from _arrays_in(value.params, f"{label}.params", depth + 1)


def perturb_in_place(value):
    """Change every array inside ``value`` in place (as ``perturbed`` would); return how many.
    For tests that plant a function modifying its inputs."""
    count = 0
    for _, array in _arrays_in(value, "value"):
        if array.flags.writeable and array.size:
            array[...] = perturbed(array)
            count += 1
    return count


def _same(a, b):
    """Whether a student's result and a planted mistake's are the same answer (to 1e-7 relative)."""
    if a is b:
        return True
    if isinstance(a, types.ModuleType) or isinstance(b, types.ModuleType):
        return a is b
    if isinstance(a, str) or isinstance(b, str):
        return type(a) is type(b) and a == b
    if isinstance(a, dict):
        return isinstance(b, dict) and set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(getattr(a, "params", None), dict):
        return type(a) is type(b) and _same(a.params, getattr(b, "params", None))
    try:
        a_host, b_host = np.asarray(a), np.asarray(b)
        if a_host.shape != b_host.shape or a_host.dtype.kind in "OUS" or b_host.dtype.kind in "OUS":
            return False
        if a_host.dtype.kind == "b" or b_host.dtype.kind == "b":
            return a_host.dtype.kind == b_host.dtype.kind and bool(np.array_equal(a_host, b_host))
        return bool(np.allclose(a_host, b_host, rtol=1e-7, atol=1e-12, equal_nan=True))
    except Exception:
        return False


def _deepcopy(value):
    """A deep copy of ``value`` that shares the modules it refers to (a model keeps its array module,
    which cannot be copied); ``value`` itself if it cannot be copied."""
    memo = {}

    def share_modules(item, depth):
        if isinstance(item, types.ModuleType):
            memo[id(item)] = item
        elif depth < 4 and isinstance(item, dict):
            for part in item.values():
                share_modules(part, depth + 1)
        elif depth < 4 and isinstance(item, (list, tuple)):
            for part in item:
                share_modules(part, depth + 1)
        elif depth < 4 and hasattr(item, "__dict__") and not isinstance(item, type):
            for part in vars(item).values():
                share_modules(part, depth + 1)

    share_modules(value, 0)
    try:
        return copy.deepcopy(value, memo)
    except Exception:
        return value


def _outcome(function, args, kwargs):
    """("value", result) or ("raised", exception type) of ``function`` on deep copies of the arguments."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return "value", function(*_deepcopy(args), **_deepcopy(kwargs))
        except Exception as err:
            return "raised", type(err)


class _MistakeTracker:
    """Replays calls of the student's function through the catalogued mistakes of the exercise."""

    MAX_CALLS = 40            # the first calls are enough to tell mistakes apart

    def __init__(self, mistakes):
        self.mistakes = list(mistakes)
        self.consistent = [True] * len(self.mistakes)
        self.calls = 0

    def record(self, args, kwargs, outcome):
        if not self.mistakes or self.calls >= self.MAX_CALLS:
            return
        self.calls += 1
        for index, mistake in enumerate(self.mistakes):
            if not self.consistent[index]:
                continue
            kind, value = _outcome(mistake.wrong, args, kwargs)
            if kind != outcome[0] or not (_same(outcome[1], value) if kind == "value" else outcome[1] is value):
                self.consistent[index] = False

    def matches(self):
        return [m for m, ok in zip(self.mistakes, self.consistent) if ok] if self.calls else []


def diagnosis(matches):
    """The sentence a check adds when the student's answer matches catalogued mistakes."""
    if not matches:
        return ""
    first = matches[0]
    text = f"\nThis looks like a known mistake: {first.name}. {first.hint}"
    if len(matches) > 1:
        text += " (It also matches: " + "; ".join(m.name for m in matches[1:]) + ".)"
    return text


class _Guarded:
    """The student's function as the checker sees it: an error raised *inside* it becomes a
    ``CheckFailed`` naming it (``NotImplementedError``: not attempted), and it remembers whether it
    ever returned ``None`` and what it last returned, for the messages."""

    def __init__(self, function, mistakes=()):
        self.function = function
        self.tracker = _MistakeTracker(mistakes)
        self._signature = None
        self.__name__ = getattr(function, "__name__", "your function")
        self.__doc__ = getattr(function, "__doc__", None)
        self.__wrapped__ = function
        self.returned_none = False
        self.last_result = None

    def __call__(self, *args, **kwargs):
        __tracebackhide__ = True    # IPython shows the notebook's frames, not these
        inputs = [(label, array, array.copy()) for label, array in self._labelled_arrays(args, kwargs)]
        originals = None
        if self.tracker.mistakes and self.tracker.calls < self.tracker.MAX_CALLS:
            originals = (_deepcopy(args), _deepcopy(kwargs))     # before the student's code runs
        try:
            result = self.function(*args, **kwargs)
        except (NotAttempted, CheckFailed):
            raise
        except NotImplementedError:
            raise NotAttempted(f"{self.__name__} raises NotImplementedError") from None
        except Exception as err:
            if originals is not None:
                self.tracker.record(*originals, ("raised", type(err)))
            raise CheckFailed(f"calling {self.__name__} raised {type(err).__name__}: {err}") from err
        self._refuse_changed_inputs(inputs)
        if originals is not None and result is not None:
            self.tracker.record(*originals, ("value", result))
        self.returned_none = self.returned_none or result is None
        self.last_result = result
        return result

    def _labelled_arrays(self, args, kwargs):
        """(label, array) of every array passed in, labelled by the parameter's name where known."""
        try:
            if self._signature is None:
                self._signature = inspect.signature(self.function)
            if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in self._signature.parameters.values()):
                raise TypeError("*args: no names")
            names = list(self._signature.bind(*args, **kwargs).arguments.items())
        except (TypeError, ValueError):
            names = [(f"argument {i + 1}", a) for i, a in enumerate(args)] + list(kwargs.items())
        return [pair for name, value in names for pair in _arrays_in(value, name)]

    def _refuse_changed_inputs(self, inputs):
        changed = [label for label, array, before in inputs
                   if array.shape != before.shape or not np.array_equal(array, before, equal_nan=array.dtype.kind in "fc")]
        for label, array, before in inputs:      # put them back, so that nothing after this uses changed data
            if array.shape == before.shape and array.flags.writeable:
                array[...] = before
        if changed:
            raise CheckFailed(f"{self.__name__} changed {', '.join(changed)} in place: the exercise asks for "
                              f"new arrays and the inputs passed in left as they were. "
                              f"Look for an in-place operation (+=, *=, [...] =, out=) on an argument, or a name "
                              f"that refers to the argument itself rather than a copy. (The check has restored the inputs.)")


def _run(checker, function, mistakes=()):
    """``checker(function)``; a stub becomes NotAttempted, any other error a clear CheckFailed; a
    failure that matches catalogued ``mistakes`` says which."""
    __tracebackhide__ = True    # IPython shows the notebook's frames, not these
    guarded = _Guarded(function, mistakes)
    try:
        return checker(guarded)
    except NotAttempted:
        raise
    except CheckFailed as failure:
        found = diagnosis(guarded.tracker.matches())
        if found:
            raise CheckFailed(f"{failure}{found}") from failure.__cause__
        raise
    except Exception as err:
        if guarded.returned_none:     # the checker choked on a None the stub returned
            raise NotAttempted(f"{guarded.__name__} returned None") from None
        raise CheckFailed(f"the check could not use what {guarded.__name__} returned "
                          f"({_describe(guarded.last_result)}): {type(err).__name__}: {err}") from err


def check(title, checker, student_function, mistakes=None):
    """Check the student's function and print where they stand (see the module docstring).

    checker(function) raises ``CheckFailed`` (wrong) or ``NotAttempted`` (stub) and returns a short
    summary of what it measured. The worked solution, when the notebook defines one, is the function
    named ``<name>_solution`` beside the student's function; it is checked too while the exercise is
    not attempted, so a notebook run top to bottom proves the check works. Returns nothing (so a
    notebook cell shows only what is printed); a wrong answer raises ``CheckFailed``.

    ``mistakes``: the usual wrong answers to recognise (a list of ``rnn_course.mistakes.Mistake``);
    by default those catalogued under the student's function name, if any.
    """
    __tracebackhide__ = True
    if not callable(student_function):
        raise TypeError(f"{title}: expected your function, got {_describe(student_function)}")
    name = getattr(student_function, "__name__", "your function")
    if mistakes is None:
        from rnn_course.mistakes import CATALOGUE
        mistakes = CATALOGUE.get(name, ())
    try:
        summary = _run(checker, student_function, mistakes)
    except NotAttempted as reason:
        _outcomes[name] = (title, f"not attempted yet ({reason})")
        print(f"{title}: not attempted yet ({reason}). Write {name} in its cell, run it, then run this check again.")
        solution = getattr(student_function, "__globals__", {}).get(f"{name}_solution")
        if callable(solution):
            try:
                print(f"The worked solution passes: {_run(checker, solution)}")
            except (NotAttempted, CheckFailed) as failure:
                raise CheckFailed(f"{title}: the worked solution {name}_solution fails this check: "
                                  f"{failure}") from failure.__cause__
        return
    except CheckFailed as failure:
        _outcomes[name] = (title, str(failure))
        raise CheckFailed(f"{title}: {failure}") from failure.__cause__
    _outcomes[name] = (title, "passed")
    print(f"{title}: all checks passed ({summary})")


def require_passed(student_function):
    """For a grader's test: fail unless the last ``check`` of ``student_function`` passed.

    ``check`` prints "not attempted yet" and lets the notebook go on; a graded test must score that
    zero, so the grader's test cell is the notebook's check cell followed by this line."""
    __tracebackhide__ = True
    name = getattr(student_function, "__name__", str(student_function))
    title, outcome = _outcomes.get(name, (name, "its check has not run"))
    if outcome != "passed":
        raise CheckFailed(f"{title}: {outcome}")


def perturbed(value):
    """A wrong answer near ``value``, for tests that plant mistakes: numbers and float arrays are
    scaled and shifted, integers moved by one, booleans flipped, strings changed, containers
    perturbed inside, a module replaced by an empty one. Anything else (a model object) comes back
    unchanged: a test that plants ``perturbed(answer)`` must then see the check pass and say so."""
    if isinstance(value, (bool, np.bool_)):
        return not value
    if isinstance(value, (numbers.Integral, np.integer)):
        return value + 1
    if isinstance(value, (numbers.Real, np.floating)):
        wrong = value * 1.1 + 0.1
        return wrong if wrong != value else value + 1.0       # -1 is the fixed point of x -> 1.1x + 0.1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, tuple):
        return tuple(perturbed(v) for v in value)
    if isinstance(value, list):
        return [perturbed(v) for v in value]
    if isinstance(value, dict):
        return {k: perturbed(v) for k, v in value.items()}
    if isinstance(value, numbers.Complex):
        return value * 1.1 + 0.1
    if isinstance(value, types.ModuleType):                # the wrong module, e.g. numpy for cupy
        return types.ModuleType(value.__name__ + "_perturbed")
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        if np.issubdtype(value.dtype, np.inexact):
            return value * 1.1 + 0.1
        if np.issubdtype(value.dtype, np.integer):
            return value + 1
        if np.issubdtype(value.dtype, np.bool_):
            return ~value
    return value


def _number(value):
    return isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(value, (bool, np.bool_))


def compare_prediction(prediction, measured, what, digits=3, choices=None):
    """"Predict, then run": print how close the student's ``prediction`` is to the ``measured`` value.

    The student writes a prediction (a number, or one of ``choices``) in the cell before; this
    compares it with what the cell measured. Nothing here fails: with no prediction (``None`` or
    ``...``) it says so and shows the measured answer. Numbers are printed to ``digits``
    significant digits, so write a measured value that holds at that precision on every machine.
    """
    def show(value):
        return f"{float(value):.{digits}g}" if _number(value) else repr(value)

    answer = f"{what}: {show(measured)}"
    if prediction is None or prediction is Ellipsis:
        print(f"No prediction yet: write yours in the cell above, run it, then run this cell. Measured {answer}.")
        return
    if choices is not None:
        if prediction not in choices:
            print(f"Your prediction {prediction!r} is not one of the choices {list(choices)}. Measured {answer}.")
        elif prediction == measured:
            print(f"Your prediction {prediction!r} is right. Measured {answer}.")
        else:
            print(f"Your prediction {prediction!r}; measured {answer}. Work out why before you read on.")
        return
    if not _number(prediction):
        print(f"Your prediction should be a number, got {_describe(prediction)}. Measured {answer}.")
        return
    prediction, measured = float(prediction), float(measured)
    error = abs(prediction - measured)
    relative = error / abs(measured) if measured else (0.0 if error == 0 else float("inf"))
    if relative <= 0.1:
        verdict = "close: within 10 %"
    elif relative <= 1.0:
        verdict = f"the right size, off by {100 * relative:.0f} %"
    elif measured and prediction and (prediction > 0) == (measured > 0):
        ratio = max(prediction / measured, measured / prediction)
        verdict = f"off by a factor of {ratio:.3g}: {'too large' if prediction > measured else 'too small'}"
    else:
        verdict = "far off (another sign or size)"
    print(f"Your prediction {show(prediction)}; measured {answer}. {verdict[0].upper() + verdict[1:]}.")
