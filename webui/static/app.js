// Progressive enhancement only: every page works without this file.
// Press "/" anywhere outside a text field to jump to the search box (as on GitHub or MDN).
"use strict";

document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  const target = event.target;
  if (target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
    return;
  }
  const box = document.getElementById("q");
  if (box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});

// Suggestions as you type (issue 14): the search box becomes a WAI-ARIA 1.2 combobox whose
// listbox offers /api/suggest's completions. At most one request per THROTTLE_MS while typing;
// an answer older than the last request sent is dropped (sequence number, AbortController).
// ArrowDown/ArrowUp move through the options, Enter picks one and searches, Escape closes.
const THROTTLE_MS = 100;
const KIND_LABELS = { word: "词", title: "标题", pinyin: "拼音" };

function setUpCompletions(input) {
  const form = input.form;
  const list = document.createElement("ul");
  list.id = "q-completions";
  list.className = "completions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "搜索建议");
  list.hidden = true;
  const status = document.createElement("div");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  form.append(list, status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  let sent = 0;
  let lastSent = 0;
  let timer = null;
  let controller = null;
  let active = -1;

  const options = () => Array.from(list.children);

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    options().forEach((option, at) => option.setAttribute("aria-selected", String(at === index)));
    active = index;
    if (index < 0) {
      input.removeAttribute("aria-activedescendant");
    } else {
      input.setAttribute("aria-activedescendant", options()[index].id);
      options()[index].scrollIntoView({ block: "nearest" });
    }
  }

  function pick(index) {
    input.value = options()[index].dataset.text;
    close();
    form.requestSubmit();
  }

  function show(completions) {
    list.replaceChildren(
      ...completions.map((completion, at) => {
        const option = document.createElement("li");
        option.id = `q-completion-${at}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.text = completion.text;
        const text = document.createElement("span");
        text.className = "completion-text";
        text.textContent = completion.text;
        const meta = document.createElement("span");
        meta.className = "completion-meta";
        meta.textContent = `${KIND_LABELS[completion.kind] || ""} · ${completion.count.toLocaleString("zh-CN")} 篇`;
        option.append(text, meta);
        option.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus
        option.addEventListener("click", () => pick(at));
        return option;
      }),
    );
    active = -1;
    input.removeAttribute("aria-activedescendant");
    const open = completions.length > 0 && document.activeElement === input;
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    status.textContent = open ? `${completions.length} 条建议，按上下方向键选择` : "";
  }

  function request() {
    timer = null;
    lastSent = Date.now();
    const typed = input.value.trim();
    if (controller) {
      controller.abort();
    }
    const mine = ++sent;
    if (!typed) {
      show([]);
      return;
    }
    controller = new AbortController();
    fetch(`/api/suggest?q=${encodeURIComponent(typed)}`, { signal: controller.signal })
      .then((response) => (response.ok ? response.json() : { completions: [] }))
      .then((answer) => {
        if (mine === sent) {
          show(answer.completions);
        }
      })
      .catch((error) => {
        if (error.name !== "AbortError" && mine === sent) {
          show([]);
        }
      });
  }

  input.addEventListener("input", () => {
    if (timer === null) {
      timer = setTimeout(request, Math.max(0, THROTTLE_MS - (Date.now() - lastSent)));
    }
  });

  input.addEventListener("keydown", (event) => {
    const count = options().length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!count) {
        return;
      }
      event.preventDefault();
      if (list.hidden) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight(active < 0 && step < 0 ? count - 1 : (active + step + count) % count);
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      pick(active);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault(); // closes the list, keeps what was typed
      close();
    }
  });

  input.addEventListener("blur", close);
}

const searchBox = document.getElementById("q");
if (searchBox && searchBox.form) {
  setUpCompletions(searchBox);
}
