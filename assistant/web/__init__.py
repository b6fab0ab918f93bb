"""The web adapters: the FastAPI app, OpenAI-compatible routes, the Gradio UI and the /embed page."""
