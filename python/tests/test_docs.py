"""The Python examples of the documentation run: every ```python block of
docs/index-engine.md, and the package docstring's doctest."""

import doctest
import re

import shuchuang_index
from conftest import REPO


def python_blocks(path):
    return re.findall(r"^```python\n(.*?)^```", path.read_text(encoding="utf-8"), flags=re.S | re.M)


def test_the_python_section_of_the_guide_runs():
    blocks = python_blocks(REPO / "docs" / "index-engine.md")
    assert blocks, "docs/index-engine.md has no python block"
    for block in blocks:
        exec(compile(block, "docs/index-engine.md", "exec"), {})


def test_the_package_docstring_runs():
    failures, tried = doctest.testmod(shuchuang_index)
    assert tried > 0 and failures == 0


def test_the_readme_command_runs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"^python3 -c '(.*)'$", readme, flags=re.M)
    exec(code, {})
