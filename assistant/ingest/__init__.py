"""Reading articles: files in every supported format -> Article, and Article -> sentence-aware chunks."""
