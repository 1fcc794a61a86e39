"""simsearch: semantic search over your own documents with SimCSE sentence embeddings."""

__version__ = "0.1.0"
