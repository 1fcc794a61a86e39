"""``python -m simsearch`` (also what ``torchrun -m simsearch`` starts)."""

from .interrupt import defer_under_torchrun

defer_under_torchrun()  # before the heavy imports: see simsearch.interrupt

from .cli import main  # noqa: E402

main()
