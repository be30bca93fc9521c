// nianbao review pages: keyboard review of one report, and the queue.
// No dependencies; everything from the page goes through textContent / dataset, never innerHTML.
(() => {
  "use strict";
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  // ------------------------------------------------------------------ token and reviewer name
  const store = window.localStorage;
  const auth = {
    get token() { return store.getItem("nianbao.token") || ""; },
    get reviewer() { return store.getItem("nianbao.reviewer") || ""; },
  };
  const authForm = $("#auth");
  if (authForm) {
    $("#token").value = auth.token;
    $("#reviewer").value = auth.reviewer;
    authForm.addEventListener("submit", (event) => {
      event.preventDefault();
      store.setItem("nianbao.token", $("#token").value.trim());
      store.setItem("nianbao.reviewer", $("#reviewer").value.trim());
      flash("Saved.", "ok");
    });
  }

  function flash(message, kind = "error") {
    const out = $("#flash");
    if (!out) return;
    out.textContent = message;
    out.className = "flash " + kind;
  }

  function typing(event) {
    const tag = event.target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.target.isContentEditable;
  }

  // ------------------------------------------------------------------ one report
  const report = $("#report");
  if (report) initReport(report);

  function initReport(root) {
    const reportId = root.dataset.report;
    const pre = $("#text");
    const fullText = pre.textContent;
    const rows = $$(".row", root);
    const keys = rows.map((row) => row.dataset.key);
    let current = null;
    let picked = null; // evidence chosen by selecting report text: {start, end} in code points

    // Offsets from the server count code points; JavaScript strings count UTF-16 units.
    const astral = /[\uD800-\uDFFF]/.test(fullText);
    let unitAt = null;
    function toUnits(cp) {
      if (!astral) return cp;
      if (!unitAt) {
        unitAt = [0];
        for (const ch of fullText) unitAt.push(unitAt[unitAt.length - 1] + ch.length);
      }
      return unitAt[Math.min(cp, unitAt.length - 1)];
    }
    function toCodePoints(units) {
      return astral ? Array.from(fullText.slice(0, units)).length : units;
    }

    function highlight(start, end) {
      pre.textContent = "";
      if (start === undefined || start === null || start === "") {
        pre.textContent = fullText;
        return;
      }
      const s = toUnits(Number(start));
      const e = toUnits(Number(end));
      const mark = document.createElement("mark");
      mark.id = "evidence";
      mark.textContent = fullText.slice(s, e);
      pre.append(document.createTextNode(fullText.slice(0, s)), mark, document.createTextNode(fullText.slice(e)));
      mark.scrollIntoView({ block: "center" });
    }

    function detail(key) { return $$(".field-detail", root).find((el) => el.dataset.key === key); }
    function row(key) { return rows.find((el) => el.dataset.key === key); }

    function select(key) {
      if (!key || !keys.includes(key)) return;
      current = key;
      picked = null;
      for (const el of rows) el.classList.toggle("selected", el.dataset.key === key);
      for (const el of $$(".field-detail", root)) el.hidden = el.dataset.key !== key;
      const d = detail(key);
      $$("form.correct", root).forEach((form) => { form.hidden = true; });
      highlight(d.dataset.start, d.dataset.end);
      row(key).scrollIntoView({ block: "nearest" });
      history.replaceState(null, "", "?key=" + encodeURIComponent(key));
    }

    function move(step) {
      const i = keys.indexOf(current);
      const next = keys[Math.min(Math.max(i + step, 0), keys.length - 1)];
      select(next);
    }

    function nextPending(after) {
      const start = keys.indexOf(after);
      for (let n = 1; n <= keys.length; n++) {
        const key = keys[(start + n) % keys.length];
        if (key !== after && row(key).classList.contains("pending")) return key;
      }
      return after;
    }

    async function decide(action, value, evidence, hasValue) {
      if (!current) return;
      if (!auth.reviewer || !auth.token) {
        flash("Enter your name and the token (top right) and press Save first.");
        $(auth.reviewer ? "#token" : "#reviewer").focus();
        return;
      }
      const body = { action, reviewer: auth.reviewer };
      if (hasValue) body.value = value;
      if (evidence) body.evidence = evidence;
      const key = current;
      let response;
      try {
        response = await fetch(`/review/${encodeURIComponent(reportId)}/${encodeURIComponent(key)}`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: "Bearer " + auth.token },
          body: JSON.stringify(body),
        });
      } catch (err) {
        flash("The server did not answer: " + err);
        return;
      }
      let answer = {};
      try { answer = await response.json(); } catch (err) { answer = {}; }
      if (!response.ok) {
        flash(`${response.status}: ${answer.detail || response.statusText}`);
        if (response.status === 401 || response.status === 403) $("#token").focus();
        return;
      }
      // Reload: the server re-ran the checks, so other fields may have entered or left review.
      const wasPending = row(key).classList.contains("pending");
      const next = action === "skip" || wasPending ? nextPending(key) : key;
      window.location.assign("?key=" + encodeURIComponent(next) + "&done=" + encodeURIComponent(action));
    }

    function parseValue(kind, raw) {
      const text = raw.trim();
      if (kind === "int" || kind === "signed") {
        if (!/^[-+]?\d+$/.test(text)) throw new Error("enter a whole number");
        return Number(text);
      }
      if (kind === "wan") {
        if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(text)) throw new Error("enter an amount in 万元, e.g. 12.5");
        return Number(text);
      }
      if (!text) throw new Error("enter a value, or press 'Not stated'");
      return text;
    }

    function openCorrect() {
      const d = detail(current);
      if (!d) return;
      const form = $("form.correct", d);
      form.hidden = false;
      const input = $("input[name=value]", form);
      input.focus();
      input.select();
    }

    // selecting report text picks the evidence for a correction
    pre.addEventListener("mouseup", () => {
      const selection = window.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed || !current) return;
      const range = selection.getRangeAt(0);
      if (!pre.contains(range.startContainer) || !pre.contains(range.endContainer)) return;
      const before = document.createRange();
      before.selectNodeContents(pre);
      before.setEnd(range.startContainer, range.startOffset);
      const startUnits = before.toString().length;
      const endUnits = startUnits + range.toString().length;
      picked = { start: toCodePoints(startUnits), end: toCodePoints(endUnits) };
      const d = detail(current);
      const note = $(".picked", d);
      note.textContent = `Evidence: “${fullText.slice(startUnits, endUnits)}” (characters ${picked.start}–${picked.end})`;
      $("form.correct", d).hidden = false;
    });

    for (const el of rows) el.addEventListener("click", () => select(el.dataset.key));
    for (const link of $$(".keylink", root)) {
      link.addEventListener("click", (event) => { event.preventDefault(); select(link.dataset.key); });
    }
    for (const d of $$(".field-detail", root)) {
      $(".act-accept", d).addEventListener("click", () => decide("accept", JSON.parse(d.dataset.value), null, true));
      $(".act-correct", d).addEventListener("click", openCorrect);
      $(".act-skip", d).addEventListener("click", () => decide("skip"));
      const form = $("form.correct", d);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        let value;
        try { value = parseValue(d.dataset.kind, $("input[name=value]", form).value); } catch (err) {
          flash(err.message);
          return;
        }
        decide("correct", value, picked, true);
      });
      $(".act-absent", form).addEventListener("click", () => decide("correct", null, null, true));
      $(".act-cancel", form).addEventListener("click", () => { form.hidden = true; });
      for (const li of $$(".candidates li", d)) {
        const show = $(".cand-show", li);
        if (show) show.addEventListener("click", () => highlight(li.dataset.start, li.dataset.end));
        $(".cand-use", li).addEventListener("click", () => {
          const evidence = li.dataset.start ? { start: Number(li.dataset.start), end: Number(li.dataset.end) } : null;
          decide("correct", JSON.parse(li.dataset.value), evidence, true);
        });
      }
    }

    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (typing(event)) {
        if (event.key === "Escape") {
          $$("form.correct", root).forEach((form) => { form.hidden = true; });
          event.target.blur();
        }
        return;
      }
      const d = current && detail(current);
      const actions = {
        a: () => d && !$(".act-accept", d).disabled && decide("accept", JSON.parse(d.dataset.value), null, true),
        c: openCorrect,
        s: () => decide("skip"),
        j: () => move(1),
        k: () => move(-1),
        n: () => select(nextPending(current)),
      };
      const act = actions[event.key];
      if (act) {
        event.preventDefault();
        act();
      }
    });

    const done = new URLSearchParams(window.location.search).get("done");
    if (done) flash(`Saved (${done}).`, "ok");
    select(root.dataset.selected);
  }

  // ------------------------------------------------------------------ the queue
  const queue = $("#queue");
  if (queue) {
    const rows = $$("tbody tr", queue);
    let at = -1;
    const mark = (i) => {
      at = Math.min(Math.max(i, 0), rows.length - 1);
      rows.forEach((row, n) => row.classList.toggle("selected", n === at));
      rows[at].scrollIntoView({ block: "nearest" });
    };
    document.addEventListener("keydown", (event) => {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey || !rows.length) return;
      if (event.key === "j") mark(at + 1);
      else if (event.key === "k") mark(at - 1);
      else if (event.key === "Enter" && at >= 0) window.location.assign(rows[at].dataset.href);
    });
    rows.forEach((row, n) => row.addEventListener("click", (event) => {
      if (event.target.tagName !== "A") mark(n);
    }));
  }
})();
