// Folio's reader: type-ahead search in the bar of every page, and the page-XML toggle of an
// article. Loaded from /assets (the Content-Security-Policy allows no inline script). Without
// it, the search form still works: /?q= opens the page a title means or lists the titles and the
// pages whose text matches.
"use strict";

(() => {
  const LIMIT = 10;
  /** Where this dataset's routes start: "" at the root, "/d/NAME" for another dataset. */
  const BASE = document.body.dataset.base || "";

  /** A title as the server's URLs write it: spaces as underscores, '/' and ':' kept. */
  const titleUrl = (title) =>
    encodeURIComponent(title.replace(/ /g, "_")).replace(/%2F/g, "/").replace(/%3A/g, ":");

  function typeAhead(input) {
    const list = document.getElementById("folio-results");
    const status = document.getElementById("folio-status");
    let inFlight = null; // the AbortController of the request under way
    let active = -1; // the highlighted option, -1 for none
    let asked = 0; // requests sent; answers to older ones are dropped

    const options = () => Array.from(list.querySelectorAll('[role="option"]'));

    function close() {
      list.replaceChildren();
      status.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      const all = options();
      if (all.length === 0) return;
      active = (i + all.length) % all.length;
      all.forEach((o, k) => o.setAttribute("aria-selected", k === active ? "true" : "false"));
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function show(query, items) {
      // Last, as Wikipedia's box does: the pages whose text holds the words.
      const containing = document.createElement("li");
      containing.id = `folio-option-${items.length}`;
      containing.className = "containing";
      containing.setAttribute("role", "option");
      containing.setAttribute("aria-selected", "false");
      containing.dataset.href = `${BASE}/?q=${encodeURIComponent(query)}&fulltext=1`;
      containing.textContent = `Search for pages containing “${query}”`;
      list.replaceChildren(
        ...items.map((item, i) => {
          const li = document.createElement("li");
          li.id = `folio-option-${i}`;
          li.setAttribute("role", "option");
          li.setAttribute("aria-selected", "false");
          // An option holds text, not a link (a listbox's options are its only controls).
          li.dataset.href = `${BASE}/read/${titleUrl(item.title)}`;
          const title = document.createElement("span");
          title.className = "title";
          title.textContent = item.title;
          li.append(title);
          if (item.matched_title) {
            const from = document.createElement("span");
            from.className = "to";
            from.textContent = ` (from “${item.matched_title}”)`;
            li.append(from);
          }
          if (item.excerpt) {
            const excerpt = document.createElement("span");
            excerpt.className = "excerpt";
            excerpt.textContent = item.excerpt;
            li.append(excerpt);
          }
          return li;
        }),
        containing,
      );
      active = -1;
      input.removeAttribute("aria-activedescendant");
      input.setAttribute("aria-expanded", "true");
      status.textContent =
        items.length === 0
          ? `No titles match “${query}”, even with a typo forgiven.`
          : `${items.length}${items.length === LIMIT ? "+" : ""} titles; arrow keys to choose, Enter to open.`;
    }

    async function suggest() {
      const query = input.value.trim();
      if (inFlight) inFlight.abort();
      inFlight = null;
      if (query === "") {
        close();
        return;
      }
      const mine = ++asked;
      const controller = new AbortController();
      inFlight = controller;
      // Ranked suggestions: exact title, prefix, case and accents folded, then typos forgiven.
      const url = `${BASE}/suggest?q=${encodeURIComponent(query)}&limit=${LIMIT}`;
      try {
        const answer = await fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } });
        const body = await answer.json();
        if (mine !== asked) return;
        if (!answer.ok) {
          list.replaceChildren();
          status.textContent = body.error ? body.error.message : `The search failed (${answer.status}).`;
          return;
        }
        show(query, body.items);
      } catch (e) {
        if (e.name !== "AbortError" && mine === asked) status.textContent = "The search failed; is the server running?";
      } finally {
        if (inFlight === controller) inFlight = null;
      }
    }

    input.addEventListener("input", suggest);
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown") {
        e.preventDefault();
        highlight(active + 1);
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        highlight(active - 1);
      } else if (e.key === "Escape") {
        close();
      } else if (e.key === "Enter" && options().length > 0) {
        // The chosen title, or the first: the search button lists them all.
        e.preventDefault();
        window.location.assign(options()[Math.max(active, 0)].dataset.href);
      }
    });
    // Keep the focus in the box while the pointer is on the list; a click opens the option.
    list.addEventListener("mousedown", (e) => e.preventDefault());
    list.addEventListener("click", (e) => {
      const option = e.target.closest('[role="option"]');
      if (option) window.location.assign(option.dataset.href);
    });
    document.addEventListener("click", (e) => {
      if (!input.closest(".combo").contains(e.target)) close();
    });
    // Back to a page whose box the browser refilled: offer its titles again.
    if (input.value.trim() !== "" && document.activeElement === input) suggest();
  }

  function rawToggle(details) {
    const pre = document.getElementById("folio-raw-xml");
    details.addEventListener("toggle", async () => {
      if (!details.open || pre.dataset.loaded) return;
      pre.dataset.loaded = "loading";
      try {
        const answer = await fetch(pre.dataset.src);
        if (!answer.ok) throw new Error(`${answer.status}`);
        pre.textContent = await answer.text();
        pre.dataset.loaded = "yes";
      } catch (e) {
        pre.textContent = `The page's XML could not be loaded (${e.message}).`;
        delete pre.dataset.loaded;
      }
    });
  }

  const input = document.getElementById("folio-q");
  if (input) typeAhead(input);
  const raw = document.getElementById("folio-raw");
  if (raw) rawToggle(raw);
})();
