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

Checkers are written with the ``expect_*`` helpers below, which turn ``None`` into "not attempted"
and a wrong type into a clear message instead of a ``TypeError`` deep inside numpy.
"""
import numbers
import types

import numpy as np

__all__ = ["CheckFailed", "NotAttempted", "check", "expect", "expect_close", "expect_equal",
           "expect_array", "expect_type", "perturbed", "require_passed"]

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


class _Guarded:
    """The student's function as the checker sees it: an error raised *inside* it becomes a
    ``CheckFailed`` naming it (``NotImplementedError``: not attempted), and it remembers whether it
    ever returned ``None`` and what it last returned, for the messages."""

    def __init__(self, function):
        self.function = function
        self.__name__ = getattr(function, "__name__", "your function")
        self.__doc__ = getattr(function, "__doc__", None)
        self.__wrapped__ = function
        self.returned_none = False
        self.last_result = None

    def __call__(self, *args, **kwargs):
        __tracebackhide__ = True    # IPython shows the notebook's frames, not these
        try:
            result = self.function(*args, **kwargs)
        except (NotAttempted, CheckFailed):
            raise
        except NotImplementedError:
            raise NotAttempted(f"{self.__name__} raises NotImplementedError") from None
        except Exception as err:
            raise CheckFailed(f"calling {self.__name__} raised {type(err).__name__}: {err}") from err
        self.returned_none = self.returned_none or result is None
        self.last_result = result
        return result


def _run(checker, function):
    """``checker(function)``; a stub becomes NotAttempted, any other error a clear CheckFailed."""
    __tracebackhide__ = True    # IPython shows the notebook's frames, not these
    guarded = _Guarded(function)
    try:
        return checker(guarded)
    except (NotAttempted, CheckFailed):
        raise
    except Exception as err:
        if guarded.returned_none:     # the checker choked on a None the stub returned
            raise NotAttempted(f"{guarded.__name__} returned None") from None
        raise CheckFailed(f"the check could not use what {guarded.__name__} returned "
                          f"({_describe(guarded.last_result)}): {type(err).__name__}: {err}") from err


def check(title, checker, student_function):
    """Check the student's function and print where they stand (see the module docstring).

    checker(function) raises ``CheckFailed`` (wrong) or ``NotAttempted`` (stub) and returns a short
    summary of what it measured. The worked solution, when the notebook defines one, is the function
    named ``<name>_solution`` beside the student's function; it is checked too while the exercise is
    not attempted, so a notebook run top to bottom proves the check works. Returns nothing (so a
    notebook cell shows only what is printed); a wrong answer raises ``CheckFailed``.
    """
    __tracebackhide__ = True
    if not callable(student_function):
        raise TypeError(f"{title}: expected your function, got {_describe(student_function)}")
    name = getattr(student_function, "__name__", "your function")
    try:
        summary = _run(checker, student_function)
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
