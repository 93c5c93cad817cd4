"""The package surface: every advertised name resolves, and importing course has no side effects."""
import subprocess
import sys

import pytest

import course


@pytest.mark.parametrize("name", course.__all__)
def test_every_exported_name_resolves(name):
    obj = getattr(course, name)
    assert obj is not None
    module = course._EXPORTS[name]
    assert getattr(sys.modules[module], name) is obj


def test_gradcheck_is_the_function_even_after_its_module_is_imported():
    code = (
        "import course.gradcheck.layer_check, course.checking\n"
        "import course.gradcheck as m\n"
        "from course import gradcheck\n"
        "assert callable(gradcheck) and gradcheck.__name__ == 'gradcheck', gradcheck\n"
        "assert course_fn() is gradcheck\n"
    ).replace("course_fn()", "__import__('course').gradcheck")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_unknown_name_raises_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="no_such_thing"):
        course.no_such_thing  # noqa: B018


def test_import_course_is_cheap_and_quiet():
    code = (
        "import sys, course\n"
        "heavy = [m for m in ('matplotlib', 'nbgrader', 'course.checking', 'course.reference.autodiff') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "" and out.stderr == ""
