"""What a training run tells its user, and leaves beside the model: whether the saved model is
better than the base (held-out retrieval, STS-B dev), the model card, the sentence-transformers
files, the training plot and the library versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from .. import __version__
from ..errors import counted

if TYPE_CHECKING:
    from . import TrainState


def heldout_digits(heldout: dict, key: str) -> int:
    """The decimals (3 to 6) a held-out figure (``key``: "hit@10" or "mrr@10") and its noise are
    printed with: as many as it takes for the printed base -> trained move to be larger than the
    printed noise exactly when the test found it beyond the noise. (At 3 decimals 0.3693 -> 0.3957
    against a noise of 0.0264, not beyond it, read "0.369 -> 0.396 ... ±0.026": a move of 0.027.)"""
    result = (heldout.get("change") or {}).get(key)
    if not result:
        return 3
    before, after = heldout["base"][key], heldout["trained"][key]
    for digits in range(3, 7):
        moved = abs(round(round(after, digits) - round(before, digits), digits))
        if (moved > round(result["noise"], digits)) == result["beyond"]:
            return digits
    return 6


def _heldout_change(heldout: dict) -> str:
    """'hit@10 0.573 -> 0.634, MRR@10 0.310 -> 0.367' (base -> trained; :func:`heldout_digits`)."""
    base, trained = heldout["base"], heldout["trained"]
    return ", ".join(f"{label} {base[key]:.{d}f} -> {trained[key]:.{d}f}"
                     for key, label in (("hit@10", "hit@10"), ("mrr@10", "MRR@10"))
                     for d in [heldout_digits(heldout, key)])


def _heldout_moves(heldout: dict) -> str:
    """'hit@10 rose 0.021 (0.654 -> 0.675), MRR@10 fell 0.001 (0.352 -> 0.351)': each figure's
    move, by the figures as printed (:func:`heldout_digits`)."""
    base, trained = heldout["base"], heldout["trained"]
    moves = []
    for key, label in (("hit@10", "hit@10"), ("mrr@10", "MRR@10")):
        d = heldout_digits(heldout, key)
        before, after = round(base[key], d), round(trained[key], d)
        how = "rose" if after > before else "fell" if after < before else "stayed"
        by = f" {abs(after - before):.{d}f}" if after != before else ""
        moves.append(f"{label} {how}{by} ({before:.{d}f} -> {after:.{d}f})")
    return ", ".join(moves)


def _heldout_size(heldout: dict, noun: str) -> str:
    """'12 documents, 500 queries'."""
    queries = heldout["trained"]["queries"]
    return f"{counted(heldout['documents'], noun)}, {queries} {'query' if queries == 1 else 'queries'}"


def files_line(source: dict) -> str | None:
    """'trained on 11 of 17 indexed files (3 held out to measure the result; 2 with no sentences:
    code, markup or nothing else; 1 with no sentence/passage pair)': how many of the index's files
    (as `simsearch status` counts them) or the folder's a run trained on, and why not the others.
    None for one file (a file named on its own), triplets, or a model saved before the counts were kept."""
    if "files_trained_on" not in source or source["files"] <= 1:
        return None
    files, trained = source["files"], source["files_trained_on"]
    where = "indexed files" if source.get("kind") == "index" else "files read"
    if trained == files:
        return f"trained on all {files:,} {where}"
    reasons = (("files_held_out", "held out to measure the result"),
               ("files_without_sentences", "with no sentences: code, markup or nothing else"),
               ("files_without_pairs", "with no sentence/passage pair"))
    why = "; ".join(f"{source[key]:,} {reason}" for key, reason in reasons if source[key])
    return f"trained on {trained:,} of {files:,} {where} ({why})"


def step0(evals: list) -> tuple[dict, dict | None]:
    """(the base model's figures, the run's start's figures or None when the start is the base)
    from a training log's step-0 record ({} when there is none)."""
    record = next((e for e in evals if e.get("step") == 0), None)
    if record is None:
        return {}, None
    if isinstance(record.get("base"), dict):
        return record["base"], record
    return record, None


# What ``heldout.sentences`` and ``heldout.of.sentences`` count (and ``share`` divides), said
# beside them in simsearch.json: ``data_source.sentences`` counts each text once (DISTINCT_SENTENCES).
ALL_SENTENCES = "every sentence of the documents, a duplicate as often as it occurs (as the index stores them)"


def _heldout_summary(state: TrainState, heldout_docs, selection: str, total_steps: int, documents=()) -> dict | None:
    """Held-out retrieval of the base model, of this run's start when that is not the base
    (``start``), and of the saved model (the kept step); how much was held out (``documents``,
    ``sentences`` and ``share``, the held-out share of all sentences, of ``documents``: all)."""
    if not heldout_docs:
        return None
    kept = total_steps if selection == "last step" else state.best_step

    def values(record, step):
        if record is None or "heldout_hit@10" not in record:
            return None
        return {"hit@10": record["heldout_hit@10"], "mrr@10": record["heldout_mrr@10"],
                "queries": record["heldout_queries"], "step": step}

    base, start = step0(state.evals)
    held = sum(len(d.sentences) for d in heldout_docs)
    total = sum(len(d.sentences) for d in documents) or held
    ranks = state.heldout_ranks
    # Picked as the best of every evaluation by the held-out figure itself: each was a chance to look better.
    candidates = (sum(e["step"] > 0 and e.get("heldout_hit@10") is not None for e in state.evals)
                  if selection == "best held-out retrieval" else 1)
    change = heldout_change(ranks.get("base" if start is not None else "0"), ranks.get(str(kept)), max(1, candidates),
                            documents=heldout_documents(heldout_docs))
    return {"base": values(base, 0), **({"start": values(start, 0)} if start is not None else {}),
            "trained": values(next((e for e in state.evals if e["step"] == kept), None), kept),
            **({"change": change} if change is not None else {}),
            "documents": len(heldout_docs), "sentences": held, "share": round(held / total, 4),
            "of": {"documents": len(documents) or len(heldout_docs), "sentences": total},
            "sentences_meaning": ALL_SENTENCES}


def heldout_documents(heldout_docs) -> list[int]:
    """Each held-out question's document (an index into ``heldout_docs``), in the order
    ``pairs.structure_retrieval`` asks them (and so gives their ranks)."""
    from .. import pairs

    return [d for d, _ in pairs.structure_queries(heldout_docs)]


def heldout_change(base_ranks: list | None, trained_ranks: list | None, candidates: int = 1, *,
                   documents: list) -> dict | None:
    """How hit@10 and MRR@10 changed from the base to the saved model on the same held-out
    questions (their ranks, ``pairs.structure_retrieval``), each against the changes chance makes
    (``paired.test``: ``difference``, ``noise``, ``beyond``, ``p``, ``rose``, ``fell``), with
    ``level`` and ``candidates``: the evaluated steps the saved one was picked from by these very
    questions, which makes the test stricter. ``documents``: each question's document. The
    sentences of one document are found or missed together, not as independent questions
    (measured on eight trained models, session 47: the noise of their documents was up to 2.2
    times the noise of their sentences taken one by one), so the test flips each document's
    questions as one (``paired.test``'s clusters) and ``documents`` in the result says how many
    documents asked questions: with fewer than ``paired.fewest_units`` no change is beyond the
    noise (``heldout_judgement``: "too few documents"). None when either model's ranks are not
    known (a run resumed from a checkpoint written before they were kept) or they are not of the
    same questions."""
    from .. import paired

    if not base_ranks or trained_ranks is None or not len(base_ranks) == len(trained_ranks) == len(documents):
        return None
    (base_hits, base_rr), (hits, rr) = paired.by_rank(base_ranks), paired.by_rank(trained_ranks)
    return {"hit@10": paired.test(base_hits, hits, candidates=candidates, clusters=documents),
            "mrr@10": paired.test(base_rr, rr, candidates=candidates, clusters=documents), "level": paired.LEVEL,
            "candidates": candidates, "by": "document", "documents": len(set(documents))}


def _too_few(change: dict) -> bool:
    """Whether the held-out questions came from too few documents for any change to be beyond
    their noise (``paired.can_tell``). A change tested question by question (a model saved before
    session 47) has no ``by``: it was judged as it was."""
    from .. import paired

    level = change.get("level", paired.LEVEL)
    return change.get("by") == "document" and not paired.can_tell(change["documents"], change.get("candidates", 1), level)


def _measured(heldout: dict | None) -> bool:
    """Whether held-out retrieval has figures for both the base and the saved model."""
    return bool(heldout and heldout.get("base") and heldout.get("trained")
                and heldout["base"]["hit@10"] is not None and heldout["trained"]["hit@10"] is not None)


# The verdict where the held-out questions came from too few documents for any change to be
# beyond their noise (``_too_few``): neither better nor within a noise that could have been beaten.
TOO_FEW = "too few documents"


def heldout_judgement(heldout: dict | None) -> str | None:
    """"better", "not better", "mixed", "within noise" or "too few documents" (the saved model
    against the base model on the held-out documents), or None when not measured. With the change
    tested (``change``, ``heldout_change``): "better" when a figure rose beyond the noise and
    none fell beyond it, "not better" the other way round, "mixed" one each way, "within noise"
    when neither moved beyond it (``paired.judge``), "too few documents" when the questions came
    from too few documents for a change to be beyond it (``TOO_FEW``). Without (a model saved
    before the change was tested): the figures compared as printed."""
    if not _measured(heldout):
        return None
    change = heldout.get("change")
    if change:
        from .. import paired

        if _too_few(change):
            return TOO_FEW

        verdict = paired.judge([change["hit@10"], change["mrr@10"]])
        return {paired.WORSE: "not better"}.get(verdict, verdict)
    base, trained = heldout["base"], heldout["trained"]
    # Compared as printed (3 decimals): a difference the line cannot show is no difference.
    moves = [float(f"{trained[k]:.3f}") - float(f"{base[k]:.3f}") for k in ("hit@10", "mrr@10")]
    if all(m >= 0 for m in moves) and any(m > 0 for m in moves):
        return "better"
    return "mixed" if any(m > 0 for m in moves) else "not better"


def _no_questions(documents: int) -> str:
    return ("the held-out document gives no questions" if documents == 1 else
            f"the {documents:,} held-out documents give no questions")


def heldout_verdict(heldout: dict | None) -> str | None:
    """One line for the user: did training help on their held-out documents (against the base
    model as they have it)? When documents were held out but give no question, it says so."""
    if not heldout:
        return None
    if not _measured(heldout):
        if heldout.get("documents") and not (heldout.get("trained") or heldout.get("base") or {}).get("queries"):
            return (f"not measured on your held-out documents: {_no_questions(heldout['documents'])} (no sentence "
                    "of 3+ words has a neighbour in its document)")
        return None
    # the documents the noise is of, when not all gave questions (was said only when too few:
    # pip's docs printed "10 documents" beside a noise of 8, as training.png said)
    size = _heldout_size(heldout, "document") + _asked(heldout) + _noise(heldout)
    figures = f"{_heldout_change(heldout)}; {size}"
    judgement = heldout_judgement(heldout)
    if judgement == "better":
        # A proxy (a held-out sentence's neighbours, not a user's question's answer): on Flask's
        # docs it rose 0.760 -> 0.837 while 30 real questions found no more (docs/adaptation.md).
        return (f"held-out retrieval {figures.replace('; ', ' (', 1)}); a proxy: whether search finds your "
                "answers better, your own questions tell (simsearch eval retrieval)")
    if judgement == "mixed":  # what rose and what fell, by how much: neither model is "better"
        return f"mixed on your held-out documents: {_heldout_moves(heldout)}; {size}"
    if judgement == "within noise":  # a move the held-out questions cannot tell from chance
        change = heldout["change"]
        units = (counted(change["documents"], "document") if change.get("by") == "document"
                 else f"{heldout['trained']['queries']:,} queries")
        return f"no better than the base model on your held-out documents beyond the noise of their {units} ({figures})"
    if judgement == TOO_FEW:  # no noise to print: no change could have been beyond it
        return (f"held-out retrieval {_heldout_change(heldout)} ({_heldout_size(heldout, 'document')}"
                f"{_asked(heldout)}): {_too_few_why(heldout['change'])}")
    return f"not better than the base model on your held-out documents ({figures})"


def _noise(heldout: dict) -> str:
    """'; noise by document: hit@10 ±0.026, MRR@10 ±0.017': the size 95% of the changes chance
    makes on these questions stay within (``paired.test``), or "" when it is not known or no
    change could be beyond it (``_too_few``). "by document": each document's questions flipped as
    one (a model saved before session 47 tested them one by one: no "by document")."""
    change = heldout.get("change")
    if not change or _too_few(change):
        return ""
    by = " by document" if change.get("by") == "document" else ""
    picked = f" (the best of {change['candidates']} steps)" if change.get("candidates", 1) > 1 else ""
    return f"; noise{by}{picked}: hit@10 {_noise_of(heldout, 'hit@10')}, MRR@10 {_noise_of(heldout, 'mrr@10')}"


def _asked(heldout: dict) -> str:
    """'; 4 with questions': how many of the held-out documents gave the questions, when not all did."""
    change = heldout.get("change") or {}
    asked = change.get("documents")
    return f"; {asked:,} with questions" if asked is not None and asked != heldout["documents"] else ""


def _too_few_why(change: dict) -> str:
    """'too few documents to tell a change from chance (it takes 6: ...)': why no verdict."""
    from .. import paired

    candidates = change.get("candidates", 1)
    need = paired.fewest_units(candidates, change.get("level", paired.LEVEL))
    picked = f" for the best of {candidates} steps" if candidates > 1 else ""
    return (f"too few documents to tell a change from chance (it takes {need}{picked}: a document's sentences "
            "rise and fall together, not as independent questions)")


def _noise_of(heldout: dict, key: str) -> str:
    """'±0.026': a held-out figure's noise, at its figures' decimals (:func:`heldout_digits`)."""
    return f"±{heldout['change'][key]['noise']:.{heldout_digits(heldout, key)}f}"


def sts_judgement(metadata: dict) -> str | None:
    """"better" or "not better" (the kept step's STS-B dev against the base model's, as printed),
    or None when not measured."""
    base, best = metadata.get("base_dev_stsb"), metadata.get("best_dev_stsb")
    if base is None or best is None:
        return None
    return "better" if float(f"{best:.2f}") > float(f"{base:.2f}") else "not better"  # compared as printed


def sts_verdict(metadata: dict) -> str | None:
    """One line for the user when STS-B dev chose the kept step: is it better than the base?"""
    judgement = sts_judgement(metadata)
    if judgement is None:
        return None
    base, best = metadata["base_dev_stsb"], metadata["best_dev_stsb"]
    if judgement == "better":
        return f"STS-B dev {base:.2f} -> {best:.2f} (the base model -> step {metadata['best_step']}, kept)"
    return (f"not better than the base model on STS-B dev ({base:.2f} -> {best:.2f} at best, step "
            f"{metadata['best_step']})")


# What sentence-transformers' modules can express of each simsearch pooler (its Pooling module
# pools one layer's token states: [CLS] or their mean; a Dense + tanh module is the MLP head).
ST_POOLING = {"cls_before_pooler": "cls", "cls": "cls", "avg": "mean"}


ST_CANNOT = {
    "avg_top2": "the mean of the token states of the last two layers",
    "avg_first_last": "the mean of the token states of the first and the last layer",
}


def sentence_transformers_refusal(pooler: str) -> str | None:
    """Why sentence-transformers cannot load a model with this pooler (None: it can)."""
    if pooler in ST_POOLING:
        return None
    return (f"sentence-transformers has no pooling for {pooler} ({ST_CANNOT.get(pooler, 'a simsearch pooler')}): "
            "this model folder loads in simsearch, not as a SentenceTransformer; train with --pooler avg, cls "
            "or cls_before_pooler for a folder both load")


def _write_sentence_transformers_files(folder: Path, dim: int, pooler: str, max_length: int, *,
                                       lower_case: bool = False) -> None:
    """modules.json and friends, so ``SentenceTransformer(folder)`` gives the same vectors.

    For ``cls`` the MLP head is exported as a Dense + tanh module, taken from the weights
    saved in ``folder`` (the selected checkpoint, not necessarily the last step). A pooler
    sentence-transformers cannot express gets a Pooling config it refuses, naming the pooler
    (``Invalid pooling mode: 'avg_top2 ...'``), instead of no modules.json, with which it
    would load the folder with mean pooling and give other vectors without a word.
    """
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    (folder / "1_Pooling").mkdir()
    if pooler in ST_POOLING:
        pooling = {"word_embedding_dimension": dim,
                   "pooling_mode_cls_token": ST_POOLING[pooler] == "cls",
                   "pooling_mode_mean_tokens": ST_POOLING[pooler] == "mean",
                   "pooling_mode_max_tokens": False,
                   "pooling_mode_mean_sqrt_len_tokens": False}
    else:
        pooling = {"word_embedding_dimension": dim,
                   "pooling_mode": f"{pooler}: {sentence_transformers_refusal(pooler)}"}
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling, indent=2))
    if pooler == "cls":
        from safetensors.torch import load_file, save_file

        saved = load_file(str(folder / "model.safetensors"))
        dense = folder / "2_Dense"
        dense.mkdir()
        (dense / "config.json").write_text(json.dumps({
            "in_features": dim, "out_features": dim, "bias": True,
            "activation_function": "torch.nn.modules.activation.Tanh",
        }))
        save_file({"linear.weight": saved["pooler.dense.weight"].contiguous(),
                   "linear.bias": saved["pooler.dense.bias"].contiguous()},
                  str(dense / "model.safetensors"))
        modules.append({"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    (folder / "modules.json").write_text(json.dumps(modules, indent=2))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": max_length, "do_lower_case": lower_case}))
    (folder / "config_sentence_transformers.json").write_text(json.dumps({
        "model_type": "SentenceTransformer",
        "__version__": _sentence_transformers_versions(),
        "prompts": {},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",  # SimCSE trains and is evaluated on cosine similarity
    }, indent=2))


def _sentence_transformers_versions() -> dict:
    """What config_sentence_transformers.json records (the library's own version only where installed)."""
    import importlib.metadata

    import transformers

    versions = {"transformers": transformers.__version__, "pytorch": torch.__version__}
    try:
        versions["sentence_transformers"] = importlib.metadata.version("sentence-transformers")
    except importlib.metadata.PackageNotFoundError:
        pass
    return versions


def _pairs_only(meta: dict) -> bool:
    """Supervised data of sent0,sent1 pairs: no hard negative in the loss (a model saved before
    the columns were recorded counts as triplets, as its card said)."""
    columns = (meta.get("data_source") or {}).get("columns")
    return meta["mode"] == "sup" and columns is not None and "hard_neg" not in columns


def _use_lines(meta: dict, out: Path) -> list[str]:
    """The card's shell lines: for a model trained ``--from-index``, that index's own loop (index
    it with the model, search there), not a folder of notes it was never given."""
    import shlex

    model = str(out.absolute())
    source = meta.get("data_source") or {}
    if source.get("kind") == "index":  # --db always: the card outlives the shell whose default it was
        db = source.get("path") or meta["data_file"]
        return [shlex.join(["simsearch", *words, "--model", model, "--db", db])
                for words in (["index"], ["search", "how do I ..."])]
    return [f"simsearch index ~/notes --model {model}", f"simsearch search \"how do I ...\" --model {model}"]


def _write_model_card(folder: Path, meta: dict, out: Path) -> None:
    """README.md: what the model is, how it was trained and measured, and how to load it."""
    objective = {
        "paper": "unsupervised SimCSE (Gao et al. 2021, Eq. 4): two dropout views of each sentence are a positive "
                 "pair; the batch's other sentences are the negatives",
        "ict": "inverse cloze task on the training documents: a sentence and the rest of its window are a positive "
               "pair, the batch's other passages the negatives (SimCSE's loss, Eq. 5 without hard negatives)"
               + (f"; each passage embedded beside its file's name, normalize(passage) + {meta['passage_name_weight']:g} × "
                  "normalize(name), as simsearch's index embeds a window" if meta.get("passage_name_weight") else ""),
        "sup": "supervised SimCSE (Eq. 5): entailment pairs are positives, contradictions hard negatives",
        "sup pairs": "supervised SimCSE (Eq. 5 without hard negatives): each sent1 is its sent0's positive, the "
                     "batch's other sent1 its negatives",
    }[meta["recipe"] if meta["mode"] == "unsup" else "sup pairs" if _pairs_only(meta) else "sup"]
    alpha = meta["hard_negative_weight"]
    alpha_line = (f"{alpha:g} (not used: no hard negatives in unsupervised training)" if meta["mode"] != "sup"
                  else f"{alpha:g} (not used: the data has no hard_neg column)" if _pairs_only(meta)
                  else f"{alpha:g} (the weight of each anchor's own contradiction, Eq. 8; 1 is Eq. 5)")
    heldout = meta.get("heldout") or {}
    if _measured(heldout):
        heldout_line = (f"{_heldout_change(heldout)} (base -> this model; {_heldout_size(heldout, 'held-out document')}"
                        f"{_asked(heldout)}{_noise(heldout)})")
    elif heldout.get("documents"):
        heldout_line = (f"not measured ({_no_questions(heldout['documents'])}: no sentence of 3+ words has a "
                        "neighbour in its document)")
    else:
        heldout_line = "not measured (no documents held out)"
    sts = meta["best_dev_stsb"]
    sts_line = f"{sts:.2f} (Spearman x 100, at step {meta['best_step']})" if sts is not None else "not measured"
    if sts is not None and meta.get("base_dev_stsb") is not None:
        sts_line += f"; the base model: {meta['base_dev_stsb']:.2f}"
    # Step 0 when it was not the base (another pooler, a new head): its figures, named for what it is.
    start, start_figures = heldout.get("start") or {}, []
    if start.get("hit@10") is not None:
        start_figures.append(f"held-out hit@10 {start['hit@10']:.3f}, MRR@10 {start['mrr@10']:.3f}")
    if meta.get("start_dev_stsb") is not None:
        start_figures.append(f"STS-B dev {meta['start_dev_stsb']:.2f}")
    judgements = {"better": "better than the base model", "not better": "not better than the base model",
                  "mixed": "mixed against the base model (one figure up, the other down)",
                  "within noise": "no better than the base model beyond the noise of the held-out questions",
                  TOO_FEW: "too few documents to tell it from the base model"}
    verdicts = [f"{judgements[j]} {where}" for j, where in (
        (heldout_judgement(heldout), "on the held-out documents"), (sts_judgement(meta), "on STS-B dev")) if j]
    refusal = sentence_transformers_refusal(meta["pooler"])
    source = meta.get("data_source") or {}
    data_line = f"`{meta['data_file']}`" + (f" ({source['kind']}" + (
        f", {counted(source['documents'], 'document')}, {counted(source['sentences'], 'distinct sentence')}"
        if "documents" in source else "") + ")" if source else "")
    path = json.dumps(str(out.absolute()))
    lines = [
        "---",
        *(["library_name: sentence-transformers"] if refusal is None else []),
        "pipeline_tag: sentence-similarity",
        "tags: [simsearch, simcse, sentence-similarity" + (", sentence-transformers]" if refusal is None else "]"),
        "---",
        "",
        f"# {out.name}",
        "",
        f"A sentence encoder trained by `simsearch train` (simsearch {meta['versions']['simsearch']}) on "
        f"{meta['created']}. Every setting is in `simsearch.json`; each evaluation in `train_log.jsonl`.",
        "",
        "## Training",
        "",
        f"- base model: `{meta['base_model']}` (`{meta['base_path']}`)",
        f"- data: {data_line}, sha256 `{meta['data_sha256']}`",
        f"- objective: {objective}",
        f"- recipe: {meta['recipe'] or ('supervised pairs' if _pairs_only(meta) else 'supervised triplets')}; "
        f"{meta['examples']} training examples",
        f"- temperature tau: {meta['temp']:g}",
        f"- hard-negative weight alpha: {alpha_line}",
        "- distillation towards the base model: " + (
            f"weight {meta['distill']:g} (KL divergence from the base's distribution over each batch)"
            if meta.get("distill") else "none (the loss above alone)"),
        f"- steps: {meta['steps']} of batch {meta['batch_size']}, lr {meta['lr']:g}, max length {meta['max_len']}, "
        f"dropout {meta['dropout']:g}, seed {meta['seed']}",
        f"- training precision: {meta['train_precision']} (loss, optimizer and evaluations in fp32)",
        f"- pooling: {meta['pooler']} at inference ({meta['train_pooler']} in training)",
        f"- kept: {meta['selection']}" + (f" (step {meta['best_step']})" if meta["best_step"] else ""),
        "",
        "## Scores",
        "",
        f"- held-out retrieval of the training documents' structure: {heldout_line}",
        f"- STS-B dev: {sts_line}",
        *([f"- step 0, this run's start, not the base model ({meta['start']}): {'; '.join(start_figures)}"]
          if meta.get("start") and start_figures else []),
        f"- verdict: {'; '.join(verdicts) if verdicts else 'not measured against the base model'}",
        "",
        "## Use",
        "",
        "simsearch:",
        "",
        "```sh",
        *_use_lines(meta, out),
        "```",
        "",
        "```python",
        "from simsearch.encoder import Encoder",
        f"encoder = Encoder.load({path})",
        "vectors = encoder.encode([\"A sentence.\", \"Another one.\"], normalize=True)",
        "```",
        "",
        "sentence-transformers:",
        "",
    ]
    if refusal is None:
        lines += ["```python", "from sentence_transformers import SentenceTransformer",
                  f"model = SentenceTransformer({path})", "vectors = model.encode([\"A sentence.\", \"Another one.\"])",
                  "```"]
    else:
        lines += [f"Not loadable: {refusal}."]
    (folder / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


# The smallest span the evaluation axis shows, so that noise is not drawn as a climb: 5 points
# of STS-B dev (x 100), 0.1 of a hit rate, 0.5 of uniformity (a log potential).
EVAL_AXIS_MIN_SPAN = {"stsb_dev": 5.0, "heldout_hit@10": 0.1, "uniformity": 0.5}


def eval_axis_limits(values: list[float], key: str) -> tuple[float, float]:
    """(low, high) of the evaluation axis: the values' range, widened about its middle to at least
    ``EVAL_AXIS_MIN_SPAN[key]`` (and kept inside [0, 1] for a hit rate)."""
    low, high = min(values), max(values)
    span = max(high - low, EVAL_AXIS_MIN_SPAN.get(key, 0.0))
    middle = (low + high) / 2
    low, high = middle - span / 2 * 1.1, middle + span / 2 * 1.1
    if key == "heldout_hit@10":
        low, high = (0.0, high - low) if low < 0 else (low, high)
        low, high = (low - (high - 1.0), 1.0) if high > 1 else (low, high)
    return low, high


def eval_legend(label: str, points: list[tuple[int, float]], kept: int | None, digits: int = 3) -> str:
    """The evaluation curve's legend: first and last evaluation, and the kept step's value when
    the kept step is not the last evaluated one (the saved model is the kept step's); ``digits``:
    the decimals the printed figures have (:func:`heldout_digits`)."""
    (first_step, first), (last_step, last) = points[0], points[-1]
    text = f"{label}: step {first_step} {first:.{digits}f} -> step {last_step} {last:.{digits}f}"
    value = dict(points).get(kept)
    if kept is None or kept == last_step or value is None:
        return text
    return f"{text}; kept: step {kept} {value:.{digits}f}"


def noise_band(heldout: dict | None) -> tuple[float, float, str] | None:
    """(low, high, label) of the band chance alone moves held-out hit@10 within, about the base
    model's figure: the noise the verdict tests the change against (``heldout_change``), drawn in
    training.png so that a rise within it is not read as a gain. None when it was not measured."""
    if not _measured(heldout) or not (heldout.get("change") or {}).get("hit@10") or _too_few(heldout["change"]):
        return None  # (too few documents: no band a change could leave)
    base, change = heldout["base"]["hit@10"], heldout["change"]["hit@10"]
    picked = f", the best of {heldout['change']['candidates']} steps" if heldout["change"].get("candidates", 1) > 1 else ""
    of = (f"{heldout['change']['documents']:,} held-out documents" if heldout["change"].get("by") == "document"
          else f"{heldout['trained']['queries']:,} held-out queries")
    return (base - change["noise"], base + change["noise"], f"noise of {of}{picked}: {_noise_of(heldout, 'hit@10')}")


def _plot(state: TrainState, path: Path, kept: int | None = None, heldout: dict | None = None) -> None:
    """Loss per step and the evaluation signal per evaluation, as a PNG beside the model; the
    kept step (the saved model's) is marked, and for held-out hit@10 (``heldout``: the run's
    summary) the noise the verdict tests the change against (:func:`noise_band`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = _figure(state, kept, heldout)
    fig.savefig(path)
    plt.close(fig)


def _figure(state: TrainState, kept: int | None = None, heldout: dict | None = None):
    """training.png's figure (:func:`_plot`)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    steps = np.arange(1, len(state.losses) + 1)
    ax.plot(steps, state.losses, color="#999999", linewidth=0.8, label="loss")
    if len(state.losses) >= 20:
        window = max(5, len(state.losses) // 50)
        smooth = np.convolve(state.losses, np.ones(window) / window, mode="valid")
        ax.plot(steps[window - 1 :], smooth, color="black", linewidth=1.5, label=f"loss (mean of {window})")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    key = next((k for k in ("stsb_dev", "heldout_hit@10") if any(e.get(k) is not None for e in state.evals)),
               "uniformity")
    label = {"stsb_dev": "STS-B dev", "heldout_hit@10": "held-out hit@10"}.get(key, key)
    points = [(e["step"], e[key]) for e in state.evals if e.get(key) is not None]
    if points:
        band = noise_band(heldout) if key == "heldout_hit@10" else None
        digits = heldout_digits(heldout, "hit@10") if band is not None else 3  # as the printed line
        right = ax.twinx()
        # Dashed: measured only at its points (the defaults evaluate twice, at step 0 and the last), so no
        # solid line draws a steady climb between them that was never measured.
        right.plot(*zip(*points), "o--", color="tab:blue", linewidth=1, label=eval_legend(label, points, kept, digits))
        if kept in dict(points):
            right.plot([kept], [dict(points)[kept]], "*", color="tab:red", markersize=14, zorder=3)
        values = [value for _, value in points]
        if band is not None:  # a move inside it is one chance alone makes on these questions
            right.axhspan(band[0], band[1], color="tab:blue", alpha=0.12, linewidth=0, label=band[2])
            values += [max(0.0, band[0]), min(1.0, band[1])]
        elif key == "heldout_hit@10" and _measured(heldout) and heldout.get("change") and _too_few(heldout["change"]):
            # No band a change could leave: said where the band would be, so the climb is not read as a gain.
            right.plot([], [], " ", label=f"{counted(heldout['change']['documents'], 'held-out document')}: too few "
                                          "to tell a change from chance")
        right.set_ylim(*eval_axis_limits(values, key))
        right.set_ylabel("STS-B dev Spearman x 100" if key == "stsb_dev" else label)
    # Below the axes, so that no legend hides a point (the kept step's star stands top right
    # when the figure rose).
    handles = [handle for axes in fig.axes for handle in axes.get_legend_handles_labels()[0]]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize="small", frameon=False)
    ax.set_title("SimCSE training")
    fig.tight_layout(rect=(0, 0.06 * ((len(handles) + 1) // 2), 1, 1))
    return fig


def _versions() -> dict:
    import transformers

    return {"simsearch": __version__, "torch": torch.__version__, "transformers": transformers.__version__}
