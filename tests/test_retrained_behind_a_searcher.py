"""A model retrained behind its name while a searcher holds it (trial user51).

`simsearch tui` open in one terminal, `simsearch train --from-index` run again over the same
`--out` in another: until `simsearch index` re-embedded the new weights, the TUI's pane went on
answering under the model's name with the weights it had loaded at its first query, the first
training's, while `search -m NAME` and `status` already said "changed since it was indexed". A
comparison then named one model and showed another.

The invariant, for every sequence of retrains, re-embeddings and searches, against a model that
is plainly right (three version numbers: the folder's weights, the index's vectors, the weights a
searcher loaded): a searcher answers only when all three are one version; otherwise it refuses,
naming the remedy, and a searcher opened again (the TUI's next Enter) answers exactly when the
folder and the index agree.
"""

from __future__ import annotations

import asyncio
import shutil

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from simsearch.errors import SimsearchError
from simsearch.indexer import index
from simsearch.search import Searcher
from simsearch.store import Store

from .test_index import write_docs
from .tiny_bert import create_random_bert

QUERY = "a second remark about chess tools"


def retrain(folder, seed: int) -> None:
    """Other weights at the same folder, as `train` over one `--out` leaves them."""
    create_random_bert(folder, hidden_size=32, heads=2, layers=2, pooler="avg", seed=seed)


def test_a_searcher_refuses_a_model_retrained_since_it_loaded_it(tmp_path):
    model = tmp_path / "trained"
    retrain(model, seed=1)
    store = Store.open(tmp_path / "index.db")
    index(store, [write_docs(tmp_path / "docs", 4)], [str(model)], progress=False)
    searcher = Searcher.open(store, str(model))
    assert searcher.search(QUERY, 3)  # its weights loaded
    retrain(model, seed=2)  # the second `train` over the same --out, not yet indexed
    with pytest.raises(SimsearchError, match="changed since it was indexed.*re-embed with `simsearch index --model"):
        searcher.search(QUERY, 3)
    with pytest.raises(SimsearchError, match="changed since it was indexed"):
        searcher.search_many([QUERY, "tools"], 3)  # eval retrieval's and `search --queries`' path
    assert searcher.search(QUERY, 3, mode="lexical")  # words alone need no model


def test_the_tui_pane_says_its_model_changed_instead_of_answering_with_the_old_weights(tmp_path, monkeypatch):
    from simsearch.tui import CompareApp

    from .test_tui import ask, settle

    monkeypatch.chdir(tmp_path)
    base = create_random_bert(tmp_path / "base", hidden_size=32, heads=2, layers=2, pooler="avg", seed=0)
    model = tmp_path / "trained"
    retrain(model, seed=1)
    store = Store.open(tmp_path / "index.db")
    index(store, [write_docs(tmp_path / "docs", 4)], [str(base), str(model)], progress=False)
    store.close()
    titles = []

    async def main():
        app = CompareApp(tmp_path / "index.db", left=str(base), right=str(model), show_timings=False)
        async with app.run_test(size=(150, 40)) as pilot:
            await settle(app, pilot)
            await ask(app, pilot, QUERY)
            titles.append((app.panes["right"].error, len(app.panes["right"].answer.hits)))
            retrain(model, seed=2)
            await ask(app, pilot, QUERY)
            titles.append((app.panes["right"].error, app.panes["right"].answer))
            await ask(app, pilot, QUERY)  # opened again: still refused until `index` re-embeds it
            titles.append((app.panes["right"].error, app.panes["right"].answer))

    asyncio.run(main())
    assert titles[0][0] is None and titles[0][1] > 0
    for error, answer in titles[1:]:
        assert error is not None and "changed since it was indexed" in error and answer is None, titles


@settings(max_examples=25, stateful_step_count=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
class RetrainBehindASearcher(RuleBasedStateMachine):
    """Rules: retrain the model over its folder, re-embed it (`index`), search, open the
    searcher again. Model: the version of the folder, of the index's vectors, of the loaded weights."""

    def __init__(self):
        super().__init__()
        self.root = None

    @initialize()
    def start(self):
        import tempfile
        from pathlib import Path

        self.root = Path(tempfile.mkdtemp(prefix="retrain-"))
        self.model = self.root / "trained"
        self.docs = write_docs(self.root / "docs", 3)
        self.disk = self.indexed = 1
        retrain(self.model, seed=self.disk)
        self.store = Store.open(self.root / "index.db")
        index(self.store, [self.docs], [str(self.model)], progress=False)
        self.searcher, self.opened = Searcher.open(self.store, str(self.model)), self.indexed

    @rule()
    def retrain_it(self):
        self.disk += 1
        retrain(self.model, seed=self.disk)

    @rule()
    def reembed(self):
        index(self.store, [self.docs], [str(self.model)], progress=False)
        self.indexed = self.disk

    @rule()
    def open_again(self):
        try:
            self.searcher, self.opened = Searcher.open(self.store, str(self.model)), self.indexed
        except SimsearchError as exc:
            assert self.disk != self.indexed and "changed since it was indexed" in str(exc)
            self.searcher = None
        else:
            assert self.disk == self.indexed

    @rule(mode=st.sampled_from(["dense", "hybrid"]))
    def search(self, mode):
        if self.searcher is None:
            return
        # The searcher holds the vectors of the version indexed when it opened, and the weights
        # its first search loaded (the folder's then): one version, or it refused to load them.
        agree = self.disk == self.indexed == self.opened
        try:
            hits = self.searcher.search(QUERY, 3, mode=mode)
        except SimsearchError as exc:
            assert not agree, f"refused a model whose folder, vectors and weights agree: {exc}"
            self.searcher = None  # the TUI's pane drops it; its next query opens it again
        else:
            assert agree, (f"answered under the name of a folder holding v{self.disk} with the vectors of "
                           f"v{self.indexed} in the index and v{self.opened} in hand")
            assert hits

    def teardown(self):
        if self.root is not None:
            self.store.close()
            shutil.rmtree(self.root, ignore_errors=True)


TestRetrainBehindASearcher = RetrainBehindASearcher.TestCase


# --- trial review51 ----------------------------------------------------------------------------


def test_a_model_dated_in_the_future_is_hashed_once_not_at_every_query(tmp_path, monkeypatch):
    """Was: a model whose files are dated ahead of the clock (a tarball from a machine whose clock
    ran fast, a FAT stick written in another time zone) was hashed whole before every query: its
    hash was "racy" (changed within 2 s of now: ``max(mtime, ctime) > now - 2 s``) for as long as
    its dates were in the future, so never cached. `search --queries` of 200 queries with minilm
    so dated took 29.1 s, 8.6 s with the same files dated 2 hours back."""
    import os
    import time

    from simsearch import models

    model = tmp_path / "trained"
    retrain(model, seed=1)
    ahead = time.time_ns() + 2 * 3600 * 10**9
    for file in model.rglob("*"):
        if file.is_file():
            os.utime(file, ns=(ahead, ahead))
    store = Store.open(tmp_path / "index.db")
    index(store, [write_docs(tmp_path / "docs", 4)], [str(model)], progress=False)
    searcher = Searcher.open(store, str(model))
    assert searcher.search(QUERY, 3)
    monkeypatch.setattr(models, "_RACY_NS", 200_000_000)  # (the ctime the dating itself set: 2 s is a long test)
    time.sleep(0.3)
    searcher.search(QUERY, 3)  # hashed once more, now no longer racy
    reads = []
    real = models.hashlib.file_digest
    monkeypatch.setattr(models.hashlib, "file_digest", lambda *a, **k: reads.append(1) or real(*a, **k))
    for _ in range(5):
        assert searcher.search(QUERY, 3)
    assert reads == [], f"{len(reads)} files hashed again in 5 queries"
    # and a file rewritten now (its dates now, not 2 hours ahead) is still seen
    config = model / "config.json"
    config.write_text(config.read_text().replace("{", '{"edited": true, ', 1))
    with pytest.raises(SimsearchError, match="changed since it was indexed"):
        searcher.search(QUERY, 3)


def test_a_model_retrained_and_re_embedded_since_the_searcher_opened_is_not_sent_to_re_embed(tmp_path):
    """Was: retrained and re-embedded (`simsearch index`) while a searcher held the old one (a
    TUI left open, a long `search --queries`), the searcher said "changed since it was indexed;
    re-embed with `simsearch index --model …`": that command then did nothing ("0 changed"), the
    index already held the new vectors. It now says what happened and that a new search uses the
    new model; a model retrained and not re-embedded still names `index`."""
    model = tmp_path / "trained"
    retrain(model, seed=1)
    docs = write_docs(tmp_path / "docs", 4)
    store = Store.open(tmp_path / "index.db")
    index(store, [docs], [str(model)], progress=False)
    reader = Store.open(tmp_path / "index.db", create=False, readonly=True)
    searcher = Searcher.open(reader, str(model))
    assert searcher.search(QUERY, 3)
    retrain(model, seed=2)
    index(store, [docs], [str(model)], progress=False)
    for search in (lambda: searcher.search(QUERY, 3), lambda: searcher.search_many([QUERY], 3)):
        with pytest.raises(SimsearchError) as refused:
            search()
        assert "re-embedded since this search loaded it" in str(refused.value), refused.value
        assert "simsearch index" not in str(refused.value), refused.value
    assert Searcher.open(reader, str(model)).search(QUERY, 3)  # as it says: a new search answers
    retrain(model, seed=3)  # and retrained again, not re-embedded: `index` is the remedy again
    with pytest.raises(SimsearchError, match="changed since it was indexed.*re-embed with `simsearch index --model"):
        searcher.search(QUERY, 3)


def test_search_many_checks_the_model_before_and_after_not_at_each_query(tmp_path, monkeypatch):
    """Was: `search --queries` and `eval retrieval` hashed-checked the model's files before each
    query (0.84 ms a query, 4.5% of 1,000 hybrid queries with minilm over 4,160 sentences); their
    output is all or nothing, so a check before the first query and one after the last refuse
    every run a retrain overtakes, as the check at each query did."""
    from simsearch import search as search_module

    model = tmp_path / "trained"
    retrain(model, seed=1)
    store = Store.open(tmp_path / "index.db")
    index(store, [write_docs(tmp_path / "docs", 4)], [str(model)], progress=False)
    searcher = Searcher.open(store, str(model))
    searcher.load_encoder()
    checks = []
    real = search_module.fingerprint
    monkeypatch.setattr(search_module, "fingerprint", lambda *a, **k: checks.append(1) or real(*a, **k))
    queries = [f"{QUERY} {number}" for number in range(30)]
    assert all(searcher.search_many(queries, 3))
    assert len(checks) <= 2, len(checks)
    encode = searcher.encoder.encode
    encoded = []

    def retrained_meanwhile(*args, **kwargs):  # `train` over the same --out, at the 10th query
        encoded.append(1)
        if len(encoded) == 10:
            retrain(model, seed=2)
        return encode(*args, **kwargs)

    monkeypatch.setattr(searcher.encoder, "encode", retrained_meanwhile)
    with pytest.raises(SimsearchError, match="changed since it was indexed"):
        searcher.search_many(queries, 3)


def test_the_tui_opens_a_model_re_embedded_since_it_loaded_it_again_and_answers(tmp_path, monkeypatch):
    """Trial left51: retrained and re-embedded while the TUI held the old one, the pane said
    "changed and was re-embedded since this search loaded it …: search again to use the new one",
    and the user had to press Enter again. The new vectors are in the index and opening the model
    again checks its folder against them: the pane does so at once, answers, and a notice says so.
    Once per Enter: a pane whose reopened model is superseded again keeps the message."""
    from simsearch import widgets
    from simsearch.errors import Superseded
    from simsearch.tui import CompareApp

    from .test_tui import ask, settle

    monkeypatch.chdir(tmp_path)
    base = create_random_bert(tmp_path / "base", hidden_size=32, heads=2, layers=2, pooler="avg", seed=0)
    model = tmp_path / "trained"
    retrain(model, seed=1)
    docs = write_docs(tmp_path / "docs", 4)
    store = Store.open(tmp_path / "index.db")
    index(store, [docs], [str(base), str(model)], progress=False)
    seen, notices, reloads = [], [], []
    real_reload = widgets.ResultsPane.reload
    monkeypatch.setattr(widgets.ResultsPane, "reload", lambda pane: (reloads.append(pane.side), real_reload(pane)))

    async def main():
        app = CompareApp(tmp_path / "index.db", left=str(base), right=str(model), show_timings=False)
        monkeypatch.setattr(app, "notify", lambda message, **kwargs: notices.append(message))
        async with app.run_test(size=(150, 40)) as pilot:
            await settle(app, pilot)
            await ask(app, pilot, QUERY)
            retrain(model, seed=2)
            index(store, [docs], progress=False)  # re-embedded under its name
            await ask(app, pilot, QUERY)
            await settle(app, pilot)
            right = app.panes["right"]
            seen.append((right.error, right.answer is not None and right.answer.query == QUERY,
                         right.searcher is not None and right.searcher.model.fingerprint,
                         store.model(right.searcher.name).fingerprint if right.searcher else None))
            if right.searcher is None:
                return
            # superseded again at every query: opened again once, then the message stays
            real_search = Searcher.search

            def superseded(searcher, *args, **kwargs):
                if searcher.name == right.searcher_name:
                    raise Superseded("model changed and was re-embedded since this search loaded it")
                return real_search(searcher, *args, **kwargs)

            right.searcher_name = right.searcher.name
            monkeypatch.setattr(Searcher, "search", superseded)
            reloads.clear()
            await ask(app, pilot, QUERY)
            await settle(app, pilot)
            seen.append((reloads.count("right"), right.error))

    asyncio.run(main())
    error, answered, loaded, indexed = seen[0]
    assert error is None and answered and loaded == indexed, seen
    assert any("re-embedded since this pane opened it" in notice for notice in notices), notices
    assert seen[1][0] == 1 and "re-embedded since this search loaded it" in (seen[1][1] or ""), seen


def test_a_model_file_dated_ahead_is_hashed_again_once_the_clock_reaches_its_date(tmp_path, monkeypatch):
    """Trial left51, as ``indexer._racily_clean``: a hash of a file dated an hour ahead is kept while
    the date stays ahead (review51), but not once the clock reaches it: a retrain then, on a disk
    whose ctime is its mtime (FAT), at the same size, in that 2 s tick, keeps the file's stat, and
    a TUI left open would go on trusting the first weights' hash."""
    import os
    import time

    from simsearch import models

    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"first weights.")
    future = (time.time_ns() // 10**9 + 3600) * 10**9
    clock = [future - 3600 * 10**9]
    real_fstat = os.fstat

    def fstat(fd):  # FAT: the ctime is the mtime, both the date the file was given
        result = real_fstat(fd)
        times = {name: getattr(result, name) for name in dir(result) if name.startswith("st_") and "time" in name}
        times.update(st_mtime_ns=future, st_ctime_ns=future)
        return os.stat_result(tuple(result[:10]), times)

    monkeypatch.setattr(models.os, "fstat", fstat)
    monkeypatch.setattr(time, "time_ns", lambda: clock[0])
    reads = []
    real = models.hashlib.file_digest
    monkeypatch.setattr(models.hashlib, "file_digest", lambda *a, **k: reads.append(1) or real(*a, **k))
    first = models.file_sha256(weights)
    assert models.file_sha256(weights) == first and len(reads) == 1  # ahead of the clock: kept
    clock[0] = future  # the clock reaches the date; the file retrained in that tick, same size
    weights.write_bytes(b"other weights.")
    assert models.file_sha256(weights) != first
