"""``python -m simsearch`` (also what ``torchrun -m simsearch`` starts)."""

from .cli import main

main()
