"""``python -m simsearch`` (also what ``torchrun -m simsearch`` starts)."""

import sys

from .interrupt import defer_under_torchrun

defer_under_torchrun(sys.argv[1:])  # before the heavy imports: see simsearch.interrupt

from .cli import main  # noqa: E402

main()
