"""Evaluation: datasets, metrics, reports and the LangChain tutorial baseline."""
