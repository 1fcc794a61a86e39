"""The SimCSE contrastive loss, and the all-gather that gives every process all negatives."""

from __future__ import annotations

import math

import torch
import torch.distributed as dist
import torch.nn.functional as F


def simcse_logits(
    anchors: torch.Tensor,
    positives: torch.Tensor,
    hard_negatives: torch.Tensor | None = None,
    *,
    temp: float = 0.05,
    hard_negative_weight: float = 1.0,
) -> torch.Tensor:
    """Each anchor's logits over the batch's positives (then its hard negatives): cosine / temp.

    Eq. 8 (Appendix): the anchor's own contradiction is weighted by ``hard_negative_weight`` =
    alpha, i.e. its term in the denominator is ``alpha * exp(sim / temp)``. Note: alpha is the
    weight itself; the original code's ``--hard_negative_weight`` is its log (it adds the value to
    the logit). alpha = 1 is Eq. 5.
    """
    a = F.normalize(anchors, dim=-1)
    logits = a @ F.normalize(positives, dim=-1).T / temp
    if hard_negatives is not None:
        negative_logits = a @ F.normalize(hard_negatives, dim=-1).T / temp
        own = torch.eye(len(a), dtype=torch.bool, device=a.device)
        if hard_negative_weight <= 0:
            negative_logits = negative_logits.masked_fill(own, float("-inf"))
        elif hard_negative_weight != 1.0:
            negative_logits = negative_logits + own * math.log(hard_negative_weight)
        logits = torch.cat([logits, negative_logits], dim=1)
    return logits.to(torch.promote_types(logits.dtype, torch.float32))  # bf16 -> fp32; fp64 stays


def simcse_loss(
    anchors: torch.Tensor,
    positives: torch.Tensor,
    hard_negatives: torch.Tensor | None = None,
    *,
    temp: float = 0.05,
    hard_negative_weight: float = 1.0,
    teacher: tuple[torch.Tensor, ...] | None = None,
    distill: float = 0.0,
) -> torch.Tensor:
    """InfoNCE over cosine similarity / temperature (Gao et al. 2021).

    Unsupervised, Eq. 4: ``anchors[i]`` and ``positives[i]`` are two dropout views of
    sentence i; every other ``positives[j]`` of the batch is a negative.

    Supervised, Eq. 5: ``positives`` are the entailments and ``hard_negatives`` the
    contradictions; every contradiction of the batch is a negative too (Eq. 8 for alpha, see
    :func:`simcse_logits`).

    Distillation (``distill`` > 0, ``teacher`` = the frozen base model's embeddings of the same
    anchors, positives[, hard negatives]): plus ``distill`` times the KL divergence from the base
    model's distribution over the batch (its logits at the same temperature) to the model's, so that what the base knew about the batch is not trained away: a positive of
    another row that the base finds as close as the row's own keeps its share instead of being
    pushed off as a negative (RankCSE's listwise distillation, with the base as its teacher).
    ``distill`` = 0 is exactly the paper's loss.

    Returns the mean loss over the anchors.
    """
    logits = simcse_logits(anchors, positives, hard_negatives, temp=temp, hard_negative_weight=hard_negative_weight)
    labels = torch.arange(len(anchors), device=anchors.device)
    loss = F.cross_entropy(logits, labels)
    if distill > 0:
        if teacher is None:
            raise ValueError("distill > 0 needs the teacher's embeddings")
        with torch.no_grad():
            target = F.softmax(simcse_logits(*teacher, temp=temp, hard_negative_weight=hard_negative_weight), dim=1)
        # KL(target || model), written out: a logit Eq. 8 set to -inf has target 0 and adds nothing.
        # (The cross-entropy minus the target's entropy, a constant: same gradient, and a logged
        # loss that goes to 0 as the model agrees with its base.)
        log_p = F.log_softmax(logits, dim=1)
        log_t = torch.log(target)
        gap = torch.where(target > 0, target * (log_t - log_p), torch.zeros_like(target))
        loss = loss + distill * gap.sum(dim=1).mean()
    return loss


def with_names(passages: torch.Tensor, names: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Passages beside their document's name, as the index's context vectors hold a window beside
    its file's name: ``normalize(p) + w * normalize(name)`` per row (``store.NAME_WEIGHT``; weight 0
    for a document whose name says nothing, ``store.document_name`` None). The index adds the name
    beside two unit vectors (the sentence and its window), so here it weighs about twice as much
    against the text; this is the weight measured (docs/adaptation.md). The loss takes the cosine,
    so the sum is left unnormalized."""
    return F.normalize(passages, dim=-1) + weights.to(passages.dtype)[:, None] * F.normalize(names, dim=-1)


def gather_with_grad(local: torch.Tensor) -> torch.Tensor:
    """Concatenate every process's rows, keeping the gradient path through our own rows.

    As in SimCSE's ``cl_forward``: ``all_gather`` returns detached copies, so the local
    slice is put back to let gradients flow to this process's encoder. Without a process
    group this is the identity.
    """
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return local
    parts = [torch.empty_like(local) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, local.detach().contiguous())
    parts[dist.get_rank()] = local
    return torch.cat(parts, dim=0)
