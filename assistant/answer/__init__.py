"""Answering: retrieval and fusion, the extractive answerer, language models and citation checks."""
