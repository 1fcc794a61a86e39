"""The version of simsearch's reader, recorded with each document it reads.

Kept outside the ``extract`` package, whose import loads every reader (Markdown, HTML, LaTeX,
EPUB, PDF…): ``search`` compares a hit's recorded version with this one, and needs none of them.
"""

# Raise when extraction or segmentation changes what a file yields: the index reads again every
# document read by another version (its content hash alone would keep the old sentences). Raise it
# too when ``read_size`` weighs a format otherwise: a file's recorded weight (m0018) holds until then.
EXTRACTOR_VERSION = 17
