"""Roles whose text Sphinx shows as written (session 38). ``:samp:`print({name})``` was stored with
its braces, where Sphinx shows "print(name)", the braces marking the variable part (``:file:`` too);
and a literal role's text went through the rules of a reference: ``:file:`~/.bashrc``` read as
"bashrc" (a "~" shortens a Python name), ``:samp:`cat <{file}>``` as "cat" (a "<target>"),
``:code:`!=``` as "=" (a "!" turns a link off). MyST's ``{samp}``, ``{file}``, ``{code}`` and
``{kbd}`` read the same way."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .textgen import read


@pytest.mark.parametrize("source, expected", [
    ("Run :samp:`print({name})` now.", "Run print(name) now."),
    ("Edit :file:`/usr/lib/python3.{x}/site-packages` now.", "Edit /usr/lib/python3.x/site-packages now."),
    # Sphinx's own example: rst writes an escaped brace "\\{" (its own escape read first)
    ('Run :samp:`print(f"answer=\\\\{1+{variable}*2\\\\}")` now.', 'Run print(f"answer={1+variable*2}") now.'),
    # a brace that opens or closes nothing stays, as in Sphinx
    ("Run :samp:`{}` and :samp:`{{x}}` and :samp:`a}b{c` now.", "Run {} and {x} and a}b{c now."),
    # no reference's rules in a literal role's text
    ("Edit :file:`~/.bashrc` now.", "Edit ~/.bashrc now."),
    ("Run :samp:`cat <{file}>` now.", "Run cat <file> now."),
    ("Press :kbd:`~` then :code:`!=` and :code:`a <b>` now.", "Press ~ then != and a <b> now."),
    ("Run :command:`ls ~/x` now.", "Run ls ~/x now."),
    # a reference keeps them: its title, and "~" for a Python name
    ("See :option:`the flag <prog --foo>` and :func:`~pkg.mod.run` now.", "See the flag and run now."),
])
def test_an_rst_literal_role_reads_as_sphinx_shows_it(source, expected):
    assert [text for _, text in read("doc.rst", source + "\n")] == [expected]


@pytest.mark.parametrize("source, expected", [
    ("Run {samp}`print({name})` now.", "Run print(name) now."),
    ("Edit {file}`/usr/lib/python3.{x}/site-packages` now.", "Edit /usr/lib/python3.x/site-packages now."),
    # MyST passes a role its text unescaped: "\{" is a brace
    ('Run {samp}`print(f"answer=\\{1+{variable}*2\\}")` now.', 'Run print(f"answer={1+variable*2}") now.'),
    ("Edit {file}`~/.bashrc` and run {samp}`cat <{file}>` now.", "Edit ~/.bashrc and run cat <file> now."),
    ("Press {kbd}`~` then {code}`!=` now.", "Press ~ then != now."),
])
def test_a_myst_literal_role_reads_as_sphinx_shows_it(source, expected):
    assert [text for _, text in read("doc.md", source + "\n")] == [expected]


# Oracle: the text as written, each variable part's braces left out (no piece begins or ends with a space).
LITERAL = st.sampled_from(["print(", ")", "~/", ".bashrc", "<", ">", "!=", "!", "cat", "x", "=", "/usr/lib", "--opt",
                           "a b", "~", "pkg.mod", "[0]", "$HOME"])
VARIABLE = st.sampled_from(["name", "file", "x", "dir name", "n+1"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(LITERAL.map(lambda text: (text, text)), VARIABLE.map(lambda name: ("{" + name + "}", name))),
                min_size=1, max_size=6),
       st.sampled_from([("doc.rst", ":samp:`{}`"), ("doc.rst", ":file:`{}`"), ("doc.md", "{{samp}}`{}`"),
                        ("doc.md", "{{file}}`{}`")]))
def test_a_samp_role_reads_as_written_but_for_its_variable_parts_braces(parts, form):
    name, role = form
    written, shown = "".join(source for source, _ in parts), "".join(text for _, text in parts)
    assert read(name, f"Type {role.format(written)} here.\n") == [(1, f"Type {shown} here.")]


@settings(max_examples=100, deadline=None)
@given(st.lists(LITERAL, min_size=1, max_size=6).map("".join),
       st.sampled_from([("doc.rst", ":code:`{}`"), ("doc.rst", ":kbd:`{}`"), ("doc.rst", ":command:`{}`"),
                        ("doc.md", "{{code}}`{}`"), ("doc.md", "{{kbd}}`{}`")]))
def test_a_literal_role_reads_as_written(written, form):
    name, role = form
    assert read(name, f"Type {role.format(written)} here.\n") == [(1, f"Type {written} here.")]
