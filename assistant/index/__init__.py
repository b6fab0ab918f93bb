"""The index: embeddings, the Chroma store, the lexical index, and the ingester that writes them."""
