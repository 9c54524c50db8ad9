# Hidden test (an example of tools/make_assignments.py's --hidden-tests): words the visible check
# never tried, against the same brute-force search. Students do not see this cell's part below
# the visible check; the grader runs it.
for word in ["aab", "xyzzyx", "the theme then"]:
    exercises.expect_equal(int(memoryless_correct(word)), brute_force_correct(word),
                           f"memoryless_correct({word!r}) (hidden test)")
