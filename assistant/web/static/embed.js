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

  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];

  // "2008-03-18" -> "18 March 2008", as assistant/ingest/dates.py's human_date writes it (no Date
  // object: a bare day must not shift by the browser's time zone).
  function humanDate(iso) {
    const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(iso || "");
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return iso || "";
    const month = `${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
    return m[3] ? `${Number(m[3])} ${month}` : month;
  }

  function citeButton(t, n) {
    const button = el("button", "cite", `[${n}]`);
    button.type = "button";
    button.dataset.n = String(n);
    button.addEventListener("click", () => openSource(t, n));
    return button;
  }

  function renderAnswer(bubble, text, numbers, t) {
    bubble.replaceChildren();
    for (const part of text.split(/(\[\d{1,3}\])/)) {
      const m = /^\[(\d{1,3})\]$/.exec(part);
      if (m && numbers.has(Number(m[1]))) {
        bubble.appendChild(citeButton(t, m[1]));
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
      const meta = el("div", "meta", [c.source, humanDate(c.published)].filter(Boolean).join(" · "));
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

  // A story's dated entries, oldest first: date, sentence, and [n] opening the source.
  function renderTimeline(timeline, numbers, t) {
    const list = el("ol", "timeline");
    for (const entry of timeline) {
      const item = el("li");
      const date = el("time", "", humanDate(entry.date));
      date.dateTime = entry.date || "";
      item.append(date, el("span", "event", entry.text || ""));
      if (numbers.has(entry.citation)) {
        item.append(" ", citeButton(t, entry.citation));
      } else if (entry.citation) {
        item.append(` [${entry.citation}]`);
      }
      list.appendChild(item);
    }
    return list;
  }

  // Under the quotes, "[n] date · source" for each citation: every quote shows when it was reported.
  function renderDatedSources(citations) {
    const box = el("div", "dated-sources");
    for (const c of citations) {
      const said = [humanDate(c.published) || "date unknown", c.source].filter(Boolean).join(" · ");
      const line = el("div", "dated-source");
      line.append(el("span", "n", `[${c.n}]`), ` ${said}`);
      box.appendChild(line);
    }
    return box;
  }

  function finish(bubble, answer, numbers, t) {
    const timeline = answer.abstained ? [] : answer.timeline || [];
    // A timeline's text repeats its entries after a lead line; the entries are drawn as a timeline.
    renderAnswer(bubble, timeline.length ? answer.answer.split("\n")[0] : answer.answer, numbers, t);
    if (timeline.length) bubble.appendChild(renderTimeline(timeline, numbers, t));
    for (const note of answer.notes || []) {
      if (!answer.answer.includes(note)) bubble.appendChild(el("span", "answer-note", note));
    }
    const citations = answer.citations || [];
    if (!answer.abstained && citations.length) {
      bubble.appendChild(renderDatedSources(citations));
    }
    if (answer.confidence_words) {  // how likely what is shown first is right, calibrated
      bubble.prepend(el("span", "confidence", `Confidence: ${answer.confidence_words}`));
    }
    if (answer.short_answer) {
      bubble.prepend(el("strong", "short-answer", answer.short_answer));
    }
    if (answer.as_of && !answer.answer.startsWith("As of")) {
      bubble.prepend(el("span", "as-of", `As of ${humanDate(answer.as_of)}`));
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
