"""The class grader: ``python -m graders grade <chapter> <submissions>``.

One step per module, in the order a run uses them (:mod:`graders.grade.batch` strings them
together):

- :mod:`.discover` — find the submissions (folder, nbgrader ``submitted/``, LMS zip);
- :mod:`.notebook` — read each file leniently, never raising;
- :mod:`.extract` — the release's structure and setup code, the learner's answer cells;
- :mod:`.seeds` — per-student hidden seeds from a keyed hash of the course secret;
- :mod:`.cases` — the public, hidden and answer-free calls, made in the trusted process;
- :mod:`.program` — the source the sandbox runs, and its cell names;
- :mod:`.runner` — one sandbox run per submission (:mod:`graders.sandbox`), then scoring;
- :mod:`.score`, :mod:`.replay`, :mod:`.shortcuts`, :mod:`.errors` — comparison with the
  reference, answer-free checks replayed on the learner's outputs, the shortcut rules;
- :mod:`.table`, :mod:`.feedback`, :mod:`.classreport` — grades.csv and the summary, feedback per
  student, the class report;
- :mod:`.gradebook` — optional scores in the nbgrader gradebook; :mod:`.baseline` — stock
  nbgrader on the same submissions (bench and parity test); :mod:`.cli` — the command line.

Learner code never runs in this process: it runs only inside the sandbox, and only plain data
(floats, float64 arrays, tuples and dicts of them) comes back.
"""
