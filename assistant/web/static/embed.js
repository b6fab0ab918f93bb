// The embedded chat. Article text only ever enters the page through textContent/createTextNode,
// so markup inside an article is shown as text and never runs.
"use strict";
(function () {
  const token = document.querySelector('meta[name="embed-token"]').content;
  const chat = document.getElementById("chat");
  const sources = document.getElementById("sources");
  const form = document.getElementById("ask");
  const input = document.getElementById("question");
  const history = [];
  let turn = 0;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderAnswer(bubble, text, numbers, t) {
    bubble.replaceChildren();
    for (const part of text.split(/(\[\d{1,3}\])/)) {
      const m = /^\[(\d{1,3})\]$/.exec(part);
      if (m && numbers.has(Number(m[1]))) {
        const button = el("button", "cite", part);
        button.type = "button";
        button.dataset.n = m[1];
        button.addEventListener("click", () => openSource(t, m[1]));
        bubble.appendChild(button);
      } else {
        bubble.appendChild(document.createTextNode(part));
      }
    }
  }

  function openSource(t, n) {
    const entry = document.getElementById(`src-${t}-${n}`);
    if (!entry) return;
    entry.open = true;
    entry.scrollIntoView({ block: "nearest" });
    entry.classList.add("flash");
    setTimeout(() => entry.classList.remove("flash"), 1200);
  }

  function renderSources(citations, t) {
    sources.replaceChildren();
    sources.hidden = citations.length === 0;
    for (const c of citations) {
      const entry = el("details", "source");
      entry.id = `src-${t}-${c.n}`;
      entry.appendChild(el("summary", "", `[${c.n}] ${c.title || "Untitled"}`));
      const meta = el("div", "meta", [c.source, c.published].filter(Boolean).join(" · "));
      if (/^https?:\/\//.test(c.url || "")) {
        const link = el("a", "", c.url);
        link.href = c.link || c.url; // opens the page at the quoted sentence (answer/links.py)
        link.title = "Open the page at the quoted sentence";
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        meta.append(meta.textContent ? " · " : "", link);
      }
      entry.appendChild(meta);
      const quote = el("blockquote", "passage");
      const at = c.quote ? c.passage.indexOf(c.quote) : -1;
      if (at >= 0) {
        quote.append(c.passage.slice(0, at), el("mark", "", c.quote), c.passage.slice(at + c.quote.length));
      } else {
        quote.append(c.passage);
      }
      entry.appendChild(quote);
      sources.appendChild(entry);
    }
  }

  async function* events(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const kind = /^event: (.*)$/m.exec(block);
        const data = /^data: (.*)$/m.exec(block);
        if (kind && data) yield [kind[1], JSON.parse(data[1])];
      }
    }
  }

  async function ask(question) {
    const t = turn++;
    chat.appendChild(el("div", "msg user", question));
    const bubble = el("div", "msg bot", "…");
    chat.appendChild(bubble);
    chat.scrollTop = chat.scrollHeight;
    let text = "";
    let numbers = new Set();
    try {
      const response = await fetch("api/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Embed-Token": token },
        body: JSON.stringify({ question, history, stream: true }),
      });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw new Error((body.error && body.error.message) || `HTTP ${response.status}`);
      }
      for await (const [kind, data] of events(response)) {
        if (kind === "delta") {
          text += data.text;
          renderAnswer(bubble, text, numbers, t);
        } else if (kind === "citations") {
          numbers = new Set(data.citations.map((c) => c.n));
          renderAnswer(bubble, text, numbers, t);
          renderSources(data.citations, t);
        } else if (kind === "done") {
          finish(bubble, data, numbers, t);
        } else if (kind === "error") {
          throw new Error(data.message);
        }
      }
    } catch (error) {
      bubble.className = "msg bot error";
      bubble.textContent = `Sorry: ${error.message}`;
    }
    chat.scrollTop = chat.scrollHeight;
  }

  function finish(bubble, answer, numbers, t) {
    renderAnswer(bubble, answer.answer, numbers, t);
    if (answer.short_answer) {
      bubble.prepend(el("strong", "short-answer", answer.short_answer));
    }
    if (answer.abstained) {
      bubble.classList.add("abstained");
      bubble.prepend(el("span", "note", "Not in the articles."));
    }
    if (answer.standalone_question && answer.standalone_question !== answer.question) {
      bubble.appendChild(el("span", "understood", `Understood as: ${answer.standalone_question}`));
    }
    history.push({ role: "user", content: answer.question }, { role: "assistant", content: answer.answer });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    ask(question);
  });
})();
