"""A scripted chat model: a test double shipped as product code.

It plays back the replies it was given, one per call, streamed word by word, and records every
list of messages it was sent, so a test (yours or ours) can force what no real model does on
demand: a citation to a passage that does not exist, an empty answer, a model that hangs.

Example::

    model = ScriptedChatModel(replies=["It was set up in 2010 [1]."])
    assistant = Assistant(settings, store, embedder, lexical, chat_model=model)
    assistant.ask("when was the framework set up?").text   # checked against passage [1]
    model.calls[0][0].content                              # the system prompt it was sent
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field


class ScriptedChatModel(BaseChatModel):
    """Replies from a script; ``delay_s`` before the first token simulates a slow model."""

    replies: list[str]
    delay_s: float = 0.0
    calls: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _next(self, messages: list[BaseMessage]) -> str:
        self.calls.append(list(messages))
        if len(self.calls) > len(self.replies):
            raise RuntimeError(f"the script has {len(self.replies)} replies; call {len(self.calls)} asked for one more")
        return self.replies[len(self.calls) - 1]

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        text = "".join(c.message.content for c in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: Any = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        reply = self._next(messages)
        time.sleep(self.delay_s)
        for token in re.findall(r"\S+\s*|\s+", reply) or [""]:  # "": an empty reply is still a reply
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))
