"""Reader cases left from session 42's trials, fixed in session 43."""

from __future__ import annotations

from .textgen import read

# mkdocstrings' rendering of a function's parameters (its "list" section style): each item's name and
# type, a dash, then the description in a <div> of its own.
MKDOCSTRINGS_PARAMETERS = """<main><h2>on_config</h2>
<p>Called when the config is loaded.</p>
<p><span class="doc-section-title">Parameters:</span></p>
<ul>
<li class="doc-section-item field-body">
<b><code>config</code></b>
(<code><a class="autorefs" href="#x">MkDocsConfig</a></code>)
–
<div class="doc-md-description">
<p>The MkDocs config object; it holds everything.</p>
</div>
</li>
<li class="doc-section-item field-body"><b><code>strict</code></b> (<code>bool</code>) –
<div class="doc-md-description"><p>Whether to fail on warnings.</p><p>A second paragraph.</p></div>
</li>
</ul>
<ul><li>A list item that ends in a dash –</li><li>and the next item, apart.</li></ul>
</main>"""


def test_a_list_items_label_ending_in_a_dash_goes_on_into_its_description():
    """"config (MkDocsConfig) –" was a sentence of its own, its description the next one, as
    Sphinx's field lists never were (there the description is in the label's paragraph)."""
    assert [text for _, text in read("api.html", MKDOCSTRINGS_PARAMETERS)] == [
        "on_config", "Called when the config is loaded.", "Parameters:",
        "config (MkDocsConfig) – The MkDocs config object; it holds everything.",
        "strict (bool) – Whether to fail on warnings.", "A second paragraph.",
        "A list item that ends in a dash –", "and the next item, apart."]


def test_a_dash_label_does_not_go_on_into_a_nested_list_or_a_table():
    """The review's cases: a label "Options –" whose item holds a nested list, or a table, took the
    list's first item ("Options – alpha") or the table's first row ("alpha — a; b") into it."""
    page = ("<main><ul><li>Options –<ul><li>alpha is the first.</li><li>beta is the second.</li></ul></li>"
            "<li>Sizes —<table><tr><td>a</td><td>b</td></tr></table></li></ul></main>")
    assert [text for _, text in read("api.html", page)] == [
        "Options –", "alpha is the first.", "beta is the second.", "Sizes —", "a; b"]
