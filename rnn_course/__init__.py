"""rnn_course: the notebook series' own machinery, beside the library ``rnn_core``.

Nothing here is needed to build or train a model; it is what the notebooks use to teach:

- ``exercises``        the exercise checks (``check``, ``expect``, ``CheckFailed``)
- ``demos``            the live widget demos' update functions (notebooks 03, 05, 06, 07)
- ``plots``            the notebooks' figures (matplotlib, scikit-learn; imported on use)
- ``ngram``            ``NGramModel``, the counting baseline of notebook 05 (add-k smoothing)
- ``gated_experiment`` notebook 09's delayed-recall comparison (``tools/gated_sweep.py``)
- ``capstone``         notebook 10's character model built from six pieces, rnn_core's and the
                       student's, and its text, Ecclesiastes (``data/``, ``tools/train_capstone.py``)
"""
