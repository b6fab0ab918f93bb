"""The chat UI (Gradio): the only module that imports gradio.

Two tabs over the same :class:`~assistant.Assistant` as the HTTP API:

* **Chat**: streamed answers whose ``[n]`` markers open the matching entry of the sources panel
  (title, source, date, link, and the passage with the quoted sentence marked), with each quote's
  date under it, "As of ..." above an answer that holds at a date, and a "how did X develop?"
  answer's timeline drawn as a vertical line of dated points; abstentions look different; follow-ups use the conversation, and the question actually retrieved for is shown
  when it differs from the one typed.
* **Library**: upload articles (with an ingest progress bar), list them, delete one. On a server
  exposed without a UI login (``security.write_refusal``) it only lists them and says why, and
  Gradio's own file routes answer 403, so nothing in the UI writes.

Who asks is the login (``ui_user`` reads every article and manages the library; each of
``ui_users`` reads its groups and may not upload or delete), or, without a login, anonymous:
answers, sources and the library's list hold only the articles that viewer may read.

Answers and sources are HTML built by :mod:`assistant.web.render` with every piece of article text
escaped, so the chatbot's own sanitizer is a second wall, not the first. The conversation lives
in a ``gr.State`` of ``(question, Answer.to_dict())`` pairs; the chat messages and the sources
panel are both drawn from it, and the history handed to the Assistant is plain text.
"""

from __future__ import annotations

import html
from collections.abc import Iterator  # at run time: Gradio reads the handlers' type hints to pass gr.Request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..access import ANONYMOUS, Viewer
from ..errors import AssistantError
from ..ingest.articles import SUPPORTED_SUFFIXES
from .render import answer_html, plain_history, sources_html
from .security import error_body, write_refusal

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..assistant import Assistant
    from ..config import Settings

EXAMPLES = [
    "when was the dialogue framework set up?",
    "what will the joint document include?",
    "who will hold talks in Tokyo?",
]
Turns = list[tuple[str, dict[str, Any]]]

CSS = """
#chat .answer.abstained { background: #fff8c5; border-left: 4px solid #d4a72c; padding: 6px 10px; border-radius: 4px; }
#chat .short-answer { font-weight: 600; font-size: 1.1em; margin-bottom: 4px; }
#chat .confidence { font-size: 0.85em; color: #555; margin-bottom: 4px; }
#chat .understood { font-size: 0.85em; color: #59636e; margin-top: 4px; }
#chat a.cite { text-decoration: none; font-weight: 600; }
#chat .as-of { font-size: 0.85em; font-weight: 600; color: #59636e; margin-bottom: 4px; }
#chat .answer-note { font-size: 0.9em; margin-top: 4px; }
#chat .dated-sources { font-size: 0.85em; color: #59636e; margin-top: 6px; }
#chat ol.timeline { list-style: none; margin: 4px 0 12px 8px; padding: 0 0 0 18px; border-left: 2px solid #8c959f; }
#chat ol.timeline li { position: relative; margin: 0 0 10px; padding: 0; }
#chat ol.timeline li:last-child { margin-bottom: 0; }
#chat ol.timeline li::before { content: ""; position: absolute; left: -25px; top: 0.25em; width: 12px; height: 12px;
  box-sizing: border-box; border-radius: 50%; background: #0969da; border: 2px solid #ffffff; }
#chat ol.timeline time { display: block; font-size: 0.85em; font-weight: 600; color: #59636e; }
#sources details.source { margin: 6px 0; padding: 4px 8px; border: 1px solid #d1d9e0; border-radius: 6px; }
#sources details.source.flash { outline: 2px solid #0969da; }
#sources .meta { font-size: 0.85em; color: #59636e; }
#sources blockquote.passage { margin: 6px 0; padding-left: 8px; border-left: 3px solid #d1d9e0; white-space: pre-wrap; }
#sources mark { background: #fff3a3; }
"""

# Clicking a marker [n] opens source n of that answer. Capture phase, so the chatbot's own link
# handling (which would open the href in a new tab) never sees the click.
HEAD = """<script>
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest('a[href^="#src-"]');
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  var id = link.getAttribute("href").slice(1);
  var entry = document.getElementById(id);
  if (!entry) return;
  var group = entry.closest("details.turn");
  if (group) group.open = true;
  entry.open = true;
  entry.scrollIntoView({block: "nearest"});
  entry.classList.add("flash");
  setTimeout(function () { entry.classList.remove("flash"); }, 1500);
}, true);
</script>"""


def viewer_of_login(settings: Settings, request: gr.Request | None) -> Viewer:
    """Who the session's login proves: a ``ui_user`` or ``ui_users`` viewer, else anonymous."""
    user = getattr(request, "username", None) if request is not None else None
    login = settings.ui_logins.get(user) if user else None
    return login[1] if login else ANONYMOUS


def build_ui(assistant: Assistant, refusal: str = "") -> gr.Blocks:
    """The chat and library tabs (read-only, saying ``refusal``, when that is set). Mount it with
    :func:`mount_ui` (which adds CSS and the queue)."""
    settings = assistant.settings
    with gr.Blocks(title="Ask the news") as demo:
        turns = gr.State([])
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="Answers quote the articles; click [n] for the source",
                                         elem_id="chat", height=460, feedback_options=None, buttons=["copy"])
                    with gr.Row():
                        box = gr.Textbox(placeholder="Ask about the news…", show_label=False, scale=5,
                                         elem_id="question", autofocus=True)
                        ask = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    gr.Examples(EXAMPLES, inputs=box, label="Examples")
                    new = gr.Button("New conversation", size="sm")
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    sources = gr.HTML(sources_html([]), elem_id="sources")
        with gr.Tab("Library"):
            if refusal:
                _read_only_library(demo, assistant, refusal)
            else:
                _library(demo, assistant)

        def respond(question: str, state: Turns, request: gr.Request) -> Iterator[tuple[Any, ...]]:
            yield from _respond(assistant, question, state, viewer_of_login(settings, request))

        outputs = [chatbot, sources, turns, box]
        for trigger in (ask.click, box.submit):
            trigger(respond, [box, turns], outputs, show_progress="minimal")
        new.click(lambda: ([], sources_html([]), [], ""), None, outputs)
        chatbot.clear(lambda: (sources_html([]), []), None, [sources, turns])  # its trash button
    return demo


def _respond(assistant: Assistant, question: str, state: Turns, viewer: Viewer = ANONYMOUS) -> Iterator[tuple[Any, ...]]:
    """Stream one answer into the chat: the question at once, then the text, then the sources."""
    from .security import require_index

    if not question.strip():
        raise gr.Error("Type a question first.")
    turn = len(state)
    messages = _messages(state)
    messages += [{"role": "user", "content": html.escape(question)}, {"role": "assistant", "content": "…"}]
    yield messages, gr.skip(), state, ""
    try:
        require_index(assistant, viewer)
        text = ""
        for event in assistant.stream(question, plain_history(state), groups=viewer):
            if event.kind == "delta":
                text += event.text
                messages[-1]["content"] = answer_html({"answer": text}, turn, streaming=True)
                yield messages, gr.skip(), state, ""
            elif event.kind == "done":
                answer = event.answer.to_dict()  # type: ignore[union-attr]
                state = [*state, (question, answer)]
                yield _messages(state), sources_html([(q, a["citations"]) for q, a in state]), state, ""
    except AssistantError as exc:
        raise gr.Error(str(exc)) from exc


def _messages(state: Turns) -> list[dict[str, str]]:
    messages = []
    for turn, (question, answer) in enumerate(state):
        messages.append({"role": "user", "content": html.escape(question)})
        messages.append({"role": "assistant", "content": answer_html(answer, turn)})
    return messages


def _library(demo: gr.Blocks, assistant: Assistant) -> None:
    settings = assistant.settings
    kinds = ", ".join(suffix.lstrip(".") for suffix in SUPPORTED_SUFFIXES)
    files = gr.File(label=f"Upload articles ({kinds})", file_count="multiple",
                    file_types=list(SUPPORTED_SUFFIXES), elem_id="upload")
    add = gr.Button("Add to the library", variant="primary", elem_id="ingest")
    status = gr.Markdown(elem_id="ingest-status")
    table = gr.Dataframe(_rows(assistant, ANONYMOUS), headers=["Title", "Source", "Date", "Chunks", "Id"],
                         interactive=False, elem_id="articles", wrap=True)
    with gr.Row():
        pick = gr.Dropdown(_choices(assistant, ANONYMOUS), label="Article to delete", scale=4, elem_id="pick")
        delete = gr.Button("Delete", variant="stop", scale=1, elem_id="delete")

    def may_write(request: gr.Request) -> Viewer:
        """The viewer, when it may upload and delete: anyone without a login (as before logins had
        groups; security.write_refusal closes an exposed server), the ``ui_user`` login; not a reader's."""
        viewer = viewer_of_login(settings, request)
        if getattr(request, "username", None) and not viewer.reads_all:
            raise gr.Error("This login may read the library, not change it; ask the administrator (ui_user).")
        return viewer

    def ingest(paths: list[str] | None, request: gr.Request, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        from .api import keep_upload, redact

        viewer = may_write(request)
        if not paths:
            raise gr.Error("Choose one or more files first.")
        if len(paths) > assistant.settings.max_upload_files:
            raise gr.Error(f"{len(paths)} files at once; the limit is {assistant.settings.max_upload_files}.")
        try:
            saved = [keep_upload(Path(p).name, Path(p).read_bytes(), assistant.settings) for p in paths]
            progress((0, len(saved)), desc="Ingesting", unit="files")
            report = assistant.ingest(saved, on_progress=lambda done, total: progress((done, total), desc="Ingesting", unit="files"))
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        except Exception as exc:  # starlette's 413 from keep_upload
            raise gr.Error(str(getattr(exc, "detail", exc))) from exc
        report = redact(report, viewer)
        lines = [report.summary()] + [f"- failed: {html.escape(e.reason)}" for e in report.failed]
        return "\n".join(lines), _rows(assistant, viewer), gr.update(choices=_choices(assistant, viewer)), None

    def remove(article_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        from .api import remove_upload

        viewer = may_write(request)
        if not article_id:
            raise gr.Error("Pick an article to delete.")
        try:
            assistant.article(article_id, viewer)  # one it may not read is as good as absent
            record = assistant.delete(article_id)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        remove_upload(record.key, assistant.settings)
        return (f"Deleted {html.escape(record.title)}.", _rows(assistant, viewer),
                gr.update(choices=_choices(assistant, viewer), value=None))

    def show(request: gr.Request) -> tuple[Any, ...]:
        viewer = viewer_of_login(settings, request)
        return _rows(assistant, viewer), gr.update(choices=_choices(assistant, viewer))

    add.click(ingest, files, [status, table, pick, files])
    delete.click(remove, pick, [status, table, pick])
    demo.load(show, None, [table, pick])  # each session sees what its login may read


def _read_only_library(demo: gr.Blocks, assistant: Assistant, refusal: str) -> None:
    gr.Markdown(f"**Read-only:** {html.escape(refusal)}.", elem_id="read-only")
    table = gr.Dataframe(_rows(assistant, ANONYMOUS), headers=["Title", "Source", "Date", "Chunks", "Id"],
                         interactive=False, elem_id="articles", wrap=True)

    def show(request: gr.Request) -> list[list[Any]]:  # fresh on every page load, for the session's login
        return _rows(assistant, viewer_of_login(assistant.settings, request))

    demo.load(show, None, table)


def _refuse_file_routes(app: FastAPI, path: str, refusal: str) -> None:
    """Gradio takes files on these routes whatever the page holds (into its cache): close them."""
    from fastapi.responses import JSONResponse

    closed = {f"{path}/gradio_api/upload", f"{path}/gradio_api/process_recording"}

    @app.middleware("http")
    async def refuse(request, call_next):  # noqa: ANN001, ANN202
        if request.method == "POST" and request.url.path.rstrip("/") in closed:
            return JSONResponse(error_body("Forbidden", refusal, 403), status_code=403)
        return await call_next(request)


def _rows(assistant: Assistant, viewer: Viewer) -> list[list[Any]]:
    # Dataframe cells are rendered as text, not HTML, so titles need no escaping here.
    # Newest first, and articles without a date before them: their place in time is unknown, and
    # such an article is most often one just uploaded, which the person uploading looks for.
    records = sorted(assistant.articles(viewer), key=lambda r: bool(r.published))
    return [[r.title, r.source, r.published, r.chunks, r.id] for r in records]


def _choices(assistant: Assistant, viewer: Viewer) -> list[tuple[str, str]]:
    return [(f"{r.title} ({r.source or r.key})", r.id) for r in assistant.articles(viewer)]


def mount_ui(app: FastAPI, assistant: Assistant, settings: Settings, path: str = "/ui") -> FastAPI:
    """Mount the chat UI on ``app`` at ``path``, served ``ui_concurrency`` requests at a time."""
    refusal = write_refusal(settings, ui=True)
    demo = build_ui(assistant, refusal).queue(default_concurrency_limit=settings.ui_concurrency)
    if refusal:
        _refuse_file_routes(app, path, refusal)
    logins = [(user, password) for user, (password, _) in settings.ui_logins.items()]
    auth = logins or None
    return gr.mount_gradio_app(app, demo, path, auth=auth, css=CSS, head=HEAD, ssr_mode=False,
                               max_file_size=settings.max_file_bytes, footer_links=["api"])
