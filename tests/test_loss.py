"""The SimCSE loss against a float64 reference, and the all-gather across 2 gloo processes."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from simsearch.loss import gather_with_grad, simcse_loss


def reference_loss(a, p, n=None, temp=0.05, alpha=1.0) -> float:
    """Eq. 4 / 5 / 8 written out term by term in float64."""
    a, p = np.asarray(a, np.float64), np.asarray(p, np.float64)
    n = None if n is None else np.asarray(n, np.float64)
    cos = lambda x, y: float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))  # noqa: E731
    total = 0.0
    for i in range(len(a)):
        denominator = sum(math.exp(cos(a[i], p[j]) / temp) for j in range(len(a)))
        if n is not None:
            denominator += sum((alpha if i == j else 1.0) * math.exp(cos(a[i], n[j]) / temp) for j in range(len(a)))
        total += -math.log(math.exp(cos(a[i], p[i]) / temp) / denominator)
    return total / len(a)


@pytest.mark.parametrize("alpha", [1.0, 2.5, 0.3])
def test_loss_matches_reference(alpha):
    g = torch.Generator().manual_seed(0)
    a, p, n = (torch.randn(6, 16, generator=g, dtype=torch.float64) for _ in range(3))
    assert simcse_loss(a, p).item() == pytest.approx(reference_loss(a, p), rel=1e-6)
    got = simcse_loss(a, p, n, temp=0.1, hard_negative_weight=alpha).item()
    assert got == pytest.approx(reference_loss(a, p, n, temp=0.1, alpha=alpha), rel=1e-6)


def test_zero_weight_removes_own_hard_negative():
    g = torch.Generator().manual_seed(1)
    a, p, n = (torch.randn(4, 8, generator=g, dtype=torch.float64) for _ in range(3))
    got = simcse_loss(a, p, n, hard_negative_weight=0.0).item()
    assert got == pytest.approx(reference_loss(a, p, n, alpha=0.0), rel=1e-6)


def reference_distilled(a, p, n, ta, tp, tn, temp, alpha, weight) -> float:
    """The loss plus ``weight`` x KL(teacher's softmax || the model's) over the same logits, in float64."""
    def logits(x, y, z):
        x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
        unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
        out = unit(x) @ unit(y).T / temp
        if z is not None:
            own = unit(x) @ unit(np.asarray(z, np.float64)).T / temp
            with np.errstate(divide="ignore"):
                own[np.eye(len(x), dtype=bool)] += math.log(alpha) if alpha > 0 else -np.inf
            out = np.concatenate([out, own], axis=1)
        return out

    student, teacher = logits(a, p, n), logits(ta, tp, tn)
    total = 0.0
    for i in range(len(student)):
        log_q = student[i] - np.logaddexp.reduce(student[i])
        target = np.exp(teacher[i] - np.logaddexp.reduce(teacher[i]))
        total += -log_q[i] + weight * sum(t * (math.log(t) - l) for t, l in zip(target, log_q) if t > 0)
    return total / len(student)


@pytest.mark.parametrize("alpha,weight,hard", [(1.0, 0.5, False), (2.5, 3.0, True), (0.0, 1.0, True)])
def test_distilled_loss_matches_reference(alpha, weight, hard):
    g = torch.Generator().manual_seed(2)
    a, p, n, ta, tp, tn = (torch.randn(5, 12, generator=g, dtype=torch.float64) for _ in range(6))
    n, tn = (n, tn) if hard else (None, None)
    teacher = (ta, tp) if n is None else (ta, tp, tn)
    got = simcse_loss(a, p, n, temp=0.1, hard_negative_weight=alpha, teacher=teacher, distill=weight).item()
    assert math.isfinite(got)
    assert got == pytest.approx(reference_distilled(a, p, n, ta, tp, tn, 0.1, alpha, weight), rel=1e-6)
    # Weight 0 is the paper's loss, whatever the teacher says.
    assert simcse_loss(a, p, n, temp=0.1, hard_negative_weight=alpha, teacher=teacher, distill=0.0).item() == \
        simcse_loss(a, p, n, temp=0.1, hard_negative_weight=alpha).item()


def test_distillation_pulls_nowhere_when_the_model_agrees_with_its_teacher():
    """The distillation term and its gradient vanish where the model's batch distribution is the teacher's."""
    g = torch.Generator().manual_seed(3)
    a, p = (torch.randn(6, 8, generator=g, dtype=torch.float64, requires_grad=True) for _ in range(2))
    teacher = (a.detach().clone(), p.detach().clone())
    term = simcse_loss(a, p, teacher=teacher, distill=1.0) - simcse_loss(a, p)
    assert abs(term.item()) < 1e-12  # the KL of a distribution to itself
    grads = torch.autograd.grad(term, (a, p))
    assert all(torch.allclose(grad, torch.zeros_like(grad), atol=1e-10) for grad in grads)
    # And it does pull when they disagree.
    other = tuple(torch.randn(6, 8, generator=g, dtype=torch.float64) for _ in range(2))
    term = simcse_loss(a, p, teacher=other, distill=1.0) - simcse_loss(a, p)
    assert max(grad.abs().max().item() for grad in torch.autograd.grad(term, (a, p))) > 1e-3


def _worker(rank: int, world: int, init_file: str, queue) -> None:
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    torch.manual_seed(0)
    encoder = torch.nn.Linear(8, 4)  # same weights on every rank
    x = torch.randn(8, 8)  # the global batch, same on every rank
    views = torch.randn(8, 8) * 0.1 + x
    rows = slice(rank * 4, rank * 4 + 4)
    z1 = gather_with_grad(encoder(x[rows]))
    z2 = gather_with_grad(encoder(views[rows]))
    loss = simcse_loss(z1, z2)
    (loss * world).backward()  # as train(): DDP then averages the gradients
    for param in encoder.parameters():
        dist.all_reduce(param.grad)
        param.grad /= world
    queue.put((rank, loss.item(), encoder.weight.grad.clone().numpy()))
    dist.destroy_process_group()


def test_two_gloo_processes_match_one_process_on_the_global_batch(tmp_path):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    mp.start_processes(_worker, args=(2, str(tmp_path / "init"), queue), nprocs=2, join=True, start_method="spawn")
    results = sorted(queue.get() for _ in range(2))

    torch.manual_seed(0)
    encoder = torch.nn.Linear(8, 4)
    x = torch.randn(8, 8)
    views = torch.randn(8, 8) * 0.1 + x
    single = simcse_loss(encoder(x), encoder(views))
    single.backward()
    for _, loss, grad in results:
        assert loss == pytest.approx(single.item(), rel=1e-6)
        np.testing.assert_allclose(grad, encoder.weight.grad.numpy(), rtol=1e-5, atol=1e-7)


# --- Found by session 43's trial E: the supervised training path (`train --sup`) and its input, tried
# as a user.

def eq5_oracle(h, positives, negatives, temp, alpha=1.0):
    """Eq. 5 (Eq. 8 for alpha) term by term, in plain torch: -log e^{sim(h_i, h_i+)/t} /
    sum_j (e^{sim(h_i, h_j+)/t} + alpha^{[i=j]} e^{sim(h_i, h_j-)/t}), averaged over i."""
    import torch

    def sim(x, y):
        return torch.dot(x, y) / (torch.linalg.vector_norm(x) * torch.linalg.vector_norm(y))

    total = 0
    for i in range(len(h)):
        denominator = sum(torch.exp(sim(h[i], positives[j]) / temp)
                          + (alpha if i == j else 1.0) * torch.exp(sim(h[i], negatives[j]) / temp)
                          for j in range(len(h)))
        total = total - torch.log(torch.exp(sim(h[i], positives[i]) / temp) / denominator)
    return total / len(h)


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_the_supervised_loss_and_its_gradient_follow_eq5_at_the_papers_temperature(alpha):
    """tests/test_loss.py checks the value with hard negatives at temp 0.1; this checks Eq. 5 at
    the paper's 0.05 (the default), and the gradient that training follows, against the equation."""
    import torch

    from simsearch.loss import simcse_loss

    g = torch.Generator().manual_seed(5)
    leaves = [torch.randn(12, 24, generator=g, dtype=torch.float64) for _ in range(3)]
    leaves[1] = leaves[1] * 0.3 + leaves[0]  # positives near their anchors, so the loss is not flat
    ours = [x.clone().requires_grad_() for x in leaves]
    theirs = [x.clone().requires_grad_() for x in leaves]
    loss = simcse_loss(*ours, temp=0.05, hard_negative_weight=alpha)
    expected = eq5_oracle(*theirs, temp=0.05, alpha=alpha)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    loss.backward()
    expected.backward()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-9, atol=1e-12)


def _sup_worker(rank: int, world: int, init_file: str, queue) -> None:
    import torch
    import torch.distributed as dist

    from simsearch.loss import gather_with_grad, simcse_loss

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    torch.manual_seed(0)
    encoder = torch.nn.Linear(8, 4)  # the same weights on every rank
    batch = [torch.randn(8, 8) for _ in range(3)]  # anchors, entailments, contradictions: the global batch
    rows = slice(rank * 4, rank * 4 + 4)
    views = [gather_with_grad(encoder(column[rows])) for column in batch]
    loss = simcse_loss(*views, hard_negative_weight=2.0)
    (loss * world).backward()  # as train(): DDP then averages the gradients
    dist.all_reduce(encoder.weight.grad)
    queue.put((rank, loss.item(), (encoder.weight.grad / world).numpy()))
    dist.destroy_process_group()


def test_two_gloo_processes_give_the_supervised_loss_of_one_process(tmp_path):
    """tests/test_loss.py checks the all-gather on two dropout views; with hard negatives the
    anchor's own contradiction (Eq. 8's alpha) must be found in the gathered batch, not in the
    process's own rows."""
    import os

    import numpy as np
    import torch
    import torch.multiprocessing as mp

    from simsearch.loss import simcse_loss

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    mp.start_processes(_sup_worker, args=(2, str(tmp_path / "init"), queue), nprocs=2, join=True, start_method="spawn")
    results = [queue.get() for _ in range(2)]
    torch.manual_seed(0)
    encoder = torch.nn.Linear(8, 4)
    batch = [torch.randn(8, 8) for _ in range(3)]
    single = simcse_loss(*(encoder(column) for column in batch), hard_negative_weight=2.0)
    single.backward()
    for _, loss, grad in results:
        assert loss == pytest.approx(single.item(), rel=1e-6)
        np.testing.assert_allclose(grad, encoder.weight.grad.numpy(), rtol=1e-5, atol=1e-7)
