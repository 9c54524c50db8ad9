"""pytest plugin for `make test`: the exercise audit runs in nbval's kernels (``--exercise-audit``).

nbval runs each notebook's cells in one kernel and compares their outputs with the stored ones.
With ``--exercise-audit``, one more item, "exercise checks", follows each numbered notebook's last
cell and audits its exercises in that same kernel (tools/exercise_audit.py), before nbval stops
the kernel: the notebook is executed once for both.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "tools"))


def pytest_addoption(parser):
    parser.addoption("--exercise-audit", action="store_true",
                     help="after each numbered notebook's nbval cells, plant answers in its exercises "
                          "in the same kernel and check that every check tells them apart")


class ExerciseAudit(pytest.Item):
    """The exercise checks of one notebook, audited in the kernel nbval has just run it in."""

    def runtest(self):
        import exercise_audit

        nb = self.parent.nb
        exercises, problems = exercise_audit.find_exercises(nb)
        assert not problems, "\n- ".join(["the exercises break the convention:", *problems])
        assert exercises, f"no exercise found (a stub with {exercise_audit.STUB_MARKER!r} and its name_solution)"
        kernel = self.parent.kernel
        assert kernel is not None and kernel.is_alive(), "nbval's kernel is not running: see the failures above"
        problems, _ = exercise_audit.audit_in_kernel(nb, exercises, exercise_audit.KernelRunner(kernel))
        assert not problems, "\n- ".join([f"{self.path.name}:", *problems])

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::exercise checks"


def pytest_collection_modifyitems(session, config, items):
    if not config.getoption("--exercise-audit"):
        return
    last_cell = {}                    # nbval's notebook collector -> index of its last cell item
    for index, item in enumerate(items):
        parent = item.parent
        if type(parent).__name__ == "IPyNbFile" and parent.path.name[:2].isdigit():
            last_cell[parent] = index
    for parent, index in sorted(last_cell.items(), key=lambda pair: -pair[1]):
        items.insert(index + 1, ExerciseAudit.from_parent(parent, name="exercise checks"))
