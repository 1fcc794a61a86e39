"""The SimCSE contrastive loss, and the all-gather that gives every process all negatives."""

from __future__ import annotations

import math

import torch
import torch.distributed as dist
import torch.nn.functional as F


def simcse_loss(
    anchors: torch.Tensor,
    positives: torch.Tensor,
    hard_negatives: torch.Tensor | None = None,
    *,
    temp: float = 0.05,
    hard_negative_weight: float = 1.0,
) -> torch.Tensor:
    """InfoNCE over cosine similarity / temperature (Gao et al. 2021).

    Unsupervised, Eq. 4: ``anchors[i]`` and ``positives[i]`` are two dropout views of
    sentence i; every other ``positives[j]`` of the batch is a negative.

    Supervised, Eq. 5: ``positives`` are the entailments and ``hard_negatives`` the
    contradictions; every contradiction of the batch is a negative too.

    Eq. 8 (Appendix): the anchor's own contradiction is weighted by
    ``hard_negative_weight`` = alpha, i.e. its term in the denominator is
    ``alpha * exp(sim / temp)``. Note: alpha is the weight itself; the original code's
    ``--hard_negative_weight`` is its log (it adds the value to the logit). alpha = 1 is Eq. 5.

    Returns the mean loss over the anchors.
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
    labels = torch.arange(len(a), device=a.device)
    return F.cross_entropy(logits.float(), labels)


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
