"""The notebook pipeline: solutions/ -> nbgrader -> notebooks/, and autograding, for every chapter.

Fast tests read the notebooks: grade cells follow the pattern of graders/generate.py with the
points of their specs, every answer is defined under the name ``check_all`` looks up, the last
code cell calls ``check_all``, and the learner notebooks leak no solution, hidden test or output.
Slow tests run the real thing in a temporary course directory (never in the repository):
nbgrader generate_assignment (and compare with notebooks/ and the glossary), every solution
notebook executed top to bottom by nbclient (``check_all`` gives full marks), nbgrader autograde
of two submissions per chapter: the solution (full marks, no error anywhere) and the untouched
learner notebook (0; no error in its setup or grade cells), and nbgrader Validate, which must
tell the truth: every grade cell of the untouched notebook failed with the check's reason, none
of the solution's, and of a half-wrong one only the wrong exercise.
(tests/test_learner_notebooks.py runs every untouched learner notebook and counts errors.)
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from course.exercises import all_specs
from graders import generate as gen

ROOT = gen.REPO_ROOT
CHAPTERS = gen.chapters()
SPECS = {spec.name: spec for spec in all_specs()}
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_GRADE_HEAD = re.compile(r"# grade: (ch\d\d\.\w+) — \S")


def _notebooks(kind: str, chapter: str) -> list[Path]:
    return sorted((ROOT / kind / chapter).glob("*.ipynb"))


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _region(source: str, begin: str, end: str) -> list[str]:
    """Lines strictly between the ``### BEGIN ...`` and ``### END ...`` markers."""
    out, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            out.append(line)
    return out


def _grade_cells(nb) -> dict[str, object]:
    cells = {}
    for cell in nb.cells:
        if _meta(cell).get("grade") and cell.cell_type == "code":
            match = _GRADE_HEAD.match(cell.source)
            assert match, f"grade cell {_meta(cell).get('grade_id')} must start with '# grade: chNN.name — ...'"
            cells[match.group(1)] = cell
    return cells


def test_there_are_chapters_with_notebooks():
    assert CHAPTERS and "ch01_chain_rule" in CHAPTERS
    for chapter in CHAPTERS:
        assert _notebooks("solutions", chapter) and _notebooks("notebooks", chapter), chapter


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_grade_cells_follow_the_pattern_and_the_specs_points(chapter):
    prefix = chapter[:4] + "."
    graded: dict[str, object] = {}
    for path in _notebooks("solutions", chapter):
        nb = nbformat.read(path, as_version=4)
        ids = [_meta(c)["grade_id"] for c in nb.cells if _meta(c)]
        assert len(ids) == len(set(ids)), f"duplicate grade_id in {path.name}"
        assert all(_meta(c).get("schema_version") == 3 for c in nb.cells if _meta(c))
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "strip outputs"
        code = [c.source for c in nb.cells if c.cell_type == "code" and not _meta(c)]
        solution_ids = {_meta(c)["grade_id"] for c in nb.cells if _meta(c).get("solution")}
        for name, cell in _grade_cells(nb).items():
            assert name not in graded, f"{name} graded twice"
            graded[name] = cell
            meta, spec = _meta(cell), SPECS.get(name)
            assert spec is not None, f"grade cell for unknown exercise {name}"
            stem = name.replace(".", "-", 1)
            assert meta["grade_id"] == stem and meta["locked"] and not meta["solution"]
            assert float(meta["points"]) == spec.points, f"{name}: cell {meta['points']} != spec {spec.points}"
            hidden = "\n".join(_region(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
            visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
            assert f'check("{name}", ' in visible and f'grade("{name}", ' in hidden
            assert cell.source.rstrip().endswith("_report.score")
            assert f"{stem}-solution" in solution_ids, f"{name}: no solution cell {stem}-solution"
            assert any(s.strip().startswith(f'check("{name}", ') for s in code), f"{name}: no self-check cell"
        for cell in nb.cells:
            if _meta(cell).get("solution"):
                assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
                assert cell.source.lstrip().startswith(("def ", "class ")), "signature stays visible"
    assert set(graded) == {n for n in SPECS if n.startswith(prefix)}, "every exercise has one grade cell"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_learner_notebooks_leak_no_solution_hidden_test_or_output(chapter):
    secrets: set[str] = set()
    for path in _notebooks("solutions", chapter):
        for cell in nbformat.read(path, as_version=4).cells:
            for begin, end in (("BEGIN SOLUTION", "END SOLUTION"), ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")):
                secrets |= {ln.strip() for ln in _region(cell.source, begin, end)
                            if len(ln.strip()) > 5 and not ln.strip().startswith("#")}
    assert secrets
    for path in _notebooks("notebooks", chapter):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            assert not any(m in cell.source for m in MARKERS), f"{path.name} cell {i}: marker left"
            assert not cell.get("outputs"), f"{path.name} cell {i}: has outputs"
            lines = {ln.strip() for ln in cell.source.splitlines()}
            leaked = secrets & lines
            assert not leaked, f"{path.name} cell {i} shows solution/hidden lines: {sorted(leaked)}"
            if cell.cell_type == "code":
                assert "grade(" not in cell.source, f"{path.name} cell {i} calls grade()"
            if _meta(cell).get("solution"):
                assert "raise NotImplementedError()" in cell.source


def _solution_names(nb) -> dict[str, str]:
    """Exercise name -> the function or class its solution cell defines."""
    names = {}
    for cell in nb.cells:
        if _meta(cell).get("solution"):
            name = _meta(cell)["grade_id"].removesuffix("-solution").replace("-", ".", 1)
            match = re.match(r"\s*(?:def|class)\s+(\w+)", cell.source)
            names[name] = match.group(1) if match else ""
    return names


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_check_all_finds_every_answer_under_its_spec_function_name(chapter):
    for path in _notebooks("solutions", chapter):
        for name, defined in _solution_names(nbformat.read(path, as_version=4)).items():
            assert SPECS[name].function == defined, (
                f"{name}: the solution cell defines {defined!r}, the spec's function is "
                f"{SPECS[name].function!r}; set Spec(function={defined!r}) so check_all finds it")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_last_code_cell_calls_check_all(chapter):
    for kind in ("solutions", "notebooks"):
        for path in _notebooks(kind, chapter):
            code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
            assert code and code[-1].source.strip().splitlines()[-1] == f'check_all("{chapter[:4]}")', (
                f"{kind}/{chapter}/{path.name}: end the chapter with a code cell check_all(\"{chapter[:4]}\")")


@pytest.mark.slow
def test_generate_copies_the_glossary(tmp_path):
    root = tmp_path / "course"
    (root / "solutions" / "ch01_chain_rule").mkdir(parents=True)
    shutil.copy(_notebooks("solutions", "ch01_chain_rule")[0], root / "solutions" / "ch01_chain_rule")
    (root / "solutions" / gen.GLOSSARY).write_text("# Glossary\n\n## Chapter 1\n- chain rule (연쇄 법칙)\n")
    written = gen.generate(["ch01_chain_rule"], root=root, db_url=f"sqlite:///{tmp_path / 'gb.db'}")
    copy = root / "notebooks" / gen.GLOSSARY
    assert copy in written and copy.read_text() == (root / "solutions" / gen.GLOSSARY).read_text()
    assert gen.file_differences(root / "notebooks", root / "notebooks", [gen.GLOSSARY]) == []
    copy.write_text("edited")
    assert gen.file_differences(root / "notebooks", tmp_path / "nowhere", [gen.GLOSSARY]) == [
        "missing from notebooks/: GLOSSARY.md"]
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / gen.GLOSSARY).write_text("old")
    assert gen.file_differences(root / "notebooks", tmp_path / "other", [gen.GLOSSARY]) == [
        "notebooks/GLOSSARY.md differs from solutions/GLOSSARY.md"]


def test_generate_command_refuses_an_unknown_chapter(capsys):
    from graders.__main__ import main

    assert main(["generate", "ch99_nothing"]) == 1
    err = capsys.readouterr().err
    assert "ch99_nothing" in err and "ch01_chain_rule" in err


def test_the_gradebook_is_configured_outside_the_repository():
    url = gen.load_config().CourseDirectory.db_url
    assert url.startswith("sqlite:///")
    path = Path(url[len("sqlite:///"):]).resolve()
    assert ROOT.resolve() not in path.parents


def test_the_repository_holds_no_gradebook_or_grading_output():
    for name in ("gradebook.db", "submitted", "autograded", "feedback", ".nbgrader.log"):
        assert not (ROOT / name).exists(), f"{name} must not be in the repository"


# ----------------------------------------------------------------------------------------------
# slow: real nbgrader and kernels, in a temporary course directory
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A temporary nbgrader course: solutions/ copied, notebooks generated, own gradebook."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "solutions", root / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    gen.generate(root=root, db_url=db_url)
    return root, db_url


def _autograde(root: Path, db_url: str, chapter: str, student: str, notebooks: list[Path]) -> None:
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    folder = root / "submitted" / student / chapter
    folder.mkdir(parents=True)
    for nb in notebooks:
        shutil.copy(nb, folder / nb.name)
    cfg = gen.load_config(root=root, db_url=db_url)
    coursedir = CourseDirectory(config=cfg)
    coursedir.assignment_id, coursedir.student_id = chapter, student
    app = Autograde(coursedir=coursedir, config=cfg)
    app.force, app.create_student = True, True
    with gen._tools_on_path():
        result = capture_log(app)
    assert result["success"], result.get("log", "") + result.get("error", "")


CHECK_ALL_PROBE = ("from course.checking import check_all as _check_all\n"
                   "_all = _check_all({chapter!r}, seed=0)\n"
                   "print('check_all:', repr(_all.score), repr(_all.points))")


def check_all_probe(nb) -> tuple[float, float]:
    """(score, points) printed by the ``CHECK_ALL_PROBE`` cell at the end of an executed notebook."""
    text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []) if o.output_type == "stream")
    match = re.search(r"check_all: (\S+) (\S+)", text)
    assert match, f"the check_all probe printed {text!r}"
    return float(match.group(1)), float(match.group(2))


def _errors(path: Path) -> list[str]:
    """Error outputs and stderr streams of every cell of an executed notebook file."""
    return errors_in(nbformat.read(path, as_version=4))


def errors_in(nb) -> list[str]:
    """Error outputs and stderr streams of every cell of an executed notebook."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"cell {i}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                found.append(f"cell {i}: stderr: {out.text[:200]}")
    return found


@pytest.mark.slow
def test_notebooks_are_up_to_date_with_solutions(course):
    root, _ = course
    diffs = gen.notebook_differences(root / "notebooks", ROOT / "notebooks")
    diffs += gen.file_differences(root / "notebooks", ROOT / "notebooks", [gen.GLOSSARY])
    assert not diffs, "run `python -m graders generate`:\n" + "\n".join(diffs)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_notebook_runs_top_to_bottom(chapter, tmp_path):
    from nbclient import NotebookClient

    for path in _notebooks("solutions", chapter):
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(CHECK_ALL_PROBE.format(chapter=chapter[:4])))
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
        out = tmp_path / path.name
        nbformat.write(nb, out)
        assert not _errors(out), _errors(out)
        score, points = check_all_probe(nb)
        assert score == points > 0, f"check_all on the solution: {score}/{points}"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")   # nbgrader's gradebook, not ours
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_autograding_scores_the_solution_full_and_the_untouched_notebook_zero(course, chapter):
    from nbgrader.api import Gradebook

    root, db_url = course
    _autograde(root, db_url, chapter, "solution", _notebooks("solutions", chapter))
    _autograde(root, db_url, chapter, "untouched", sorted((root / "notebooks" / chapter).glob("*.ipynb")))
    with Gradebook(db_url) as gb:
        full = gb.find_submission(chapter, "solution")
        blank = gb.find_submission(chapter, "untouched")
        assert full.max_score == sum(s.points for s in SPECS.values() if s.name.startswith(chapter[:4] + "."))
        assert full.score == full.max_score, [(g.name, g.score) for nb in full.notebooks for g in nb.grades]
        assert blank.score == 0, [(g.name, g.score) for nb in blank.notebooks for g in nb.grades]
    for path in sorted((root / "autograded" / "solution" / chapter).glob("*.ipynb")):
        assert not _errors(path), f"solution: {_errors(path)}"
    for path in sorted((root / "autograded" / "untouched" / chapter).glob("*.ipynb")):
        assert not _stub_unrelated_errors(path), f"untouched: {_stub_unrelated_errors(path)}"


def _stub_unrelated_errors(path: Path) -> list[str]:
    """Errors of an executed untouched learner notebook that the stubs do not explain.

    Grade cells and the setup (everything before the first exercise) must never fail; a demo
    cell after an exercise may call the learner's function, whose stub raises
    NotImplementedError, and only that error is expected there.
    """
    nb = nbformat.read(path, as_version=4)
    first_exercise = min((i for i, c in enumerate(nb.cells) if _meta(c).get("solution")), default=len(nb.cells))
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            stub = out.output_type == "error" and out.ename == "NotImplementedError"
            if out.output_type == "stream" and out.name == "stderr":
                found.append(f"cell {i}: stderr: {out.text[:200]}")
            elif out.output_type == "error" and (not stub or _meta(cell).get("grade") or i < first_exercise):
                found.append(f"cell {i}: {out.ename}: {out.evalue}")
    return found


def _half_wrong_submission(chapter: str, out_dir: Path) -> tuple[str, list[Path]]:
    """The solution notebook with one exercise made right on every other call only.

    The first exercise's function alternates between the solution's own body and the spec's
    first named bug, so under stock nbgrader its grade cell must land strictly between 0 and its
    points (per-case partial credit), while every other exercise keeps full marks.
    """
    paths = []
    target = None
    for path in _notebooks("solutions", chapter):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if target is None and _meta(cell).get("solution"):
                name = _meta(cell)["grade_id"].removesuffix("-solution").replace("-", ".", 1)
                fn = re.match(r"def (\w+)\(", cell.source.lstrip()).group(1)
                spec = SPECS[name]
                bug = next(i for i, b in enumerate(spec.bugs) if _usable_bug(b, spec))
                cell.source = cell.source.replace(f"def {fn}(", f"def _right_{fn}(", 1) + (
                    "\n\nimport itertools as _itertools\n"
                    "from course.exercises import get_spec as _get_spec\n"
                    f"_calls_{fn} = _itertools.count()\n"
                    f"def {fn}(*args, **kwargs):\n"
                    f"    if next(_calls_{fn}) % 2:\n"
                    f"        return _get_spec({name!r}).bugs[{bug}].impl(*args, **kwargs)\n"
                    f"    return _right_{fn}(*args, **kwargs)\n"
                )
                target = name
        out = out_dir / path.name
        nbformat.write(nb, out)
        paths.append(out)
    assert target is not None
    return target, paths


def _usable_bug(bug, spec) -> bool:
    """A bug that gives wrong outputs on public cases without calling a forbidden reference.

    (Some bugs are written as "the reference, transposed"; a learner doing that scores 0 for
    calling the reference, which is not the partial credit this test is after.)
    """
    from course.checking import check

    report = check(spec.name, bug.impl)
    return not report.forbidden and not all(r.passed for r in report.cases if r.kind == "public")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")   # nbgrader's gradebook, not ours
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_stock_autograde_gives_per_case_partial_credit(course, chapter, tmp_path):
    from nbgrader.api import Gradebook

    root, db_url = course
    target, notebooks = _half_wrong_submission(chapter, tmp_path)
    _autograde(root, db_url, chapter, "half-wrong", notebooks)
    stem = target.replace(".", "-", 1)
    with Gradebook(db_url) as gb:
        sub = gb.find_submission(chapter, "half-wrong")
        scores = {g.name: (g.score, g.max_score) for nb in sub.notebooks for g in nb.grades}
    score, points = scores.pop(stem)
    assert 0 < score < points, f"{target}: expected partial credit, got {score}/{points}"
    assert all(s == m for s, m in scores.values()), scores


def _validate(path: Path) -> dict:
    from nbgrader.validator import Validator

    return Validator().validate(str(path))


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_validate_tells_the_truth(course, chapter, tmp_path):
    root, _ = course
    points = {n: s.points for n, s in SPECS.items() if n.startswith(chapter[:4] + ".")}
    for path in sorted((root / "notebooks" / chapter).glob("*.ipynb")):     # untouched: nothing passed
        failed = _validate(path).get("failed", [])
        assert len(failed) == len(points), f"untouched {path.name}: {len(failed)} failed cells of {len(points)}"
        for cell in failed:
            assert "Partial credit" not in cell["raw_error"] and "not implemented yet" in cell["raw_error"], cell
            assert re.search(r"✗ ch\d\d\.\w+", cell["raw_error"]), cell
    for path in _notebooks("solutions", chapter):                           # right: success
        assert _validate(path) == {}, f"Validate on the solution {path.name}"
    target, notebooks = _half_wrong_submission(chapter, tmp_path)           # in between: the wrong one, why
    failed = [cell for nb in notebooks for cell in _validate(nb).get("failed", [])]
    assert len(failed) == 1 and f"# grade: {target} " in failed[0]["source"], [c["source"][:60] for c in failed]
    assert f"✗ {target}" in failed[0]["raw_error"] and "Partial credit" not in failed[0]["raw_error"]
