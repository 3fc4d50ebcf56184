// Staff pages: the live plain-language score while typing, example counts, training progress.
// The pages work without this script too (the server shows the score after each save).
(function () {
  "use strict";
  const tokenInput = document.querySelector('input[name="csrf_token"]');
  const csrf = tokenInput ? tokenInput.value : "";

  function para(className, text) {
    const p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    return p;
  }

  // Live score -------------------------------------------------------------------------------
  document.querySelectorAll("textarea[data-check-text]").forEach(function (box) {
    const out = document.querySelector('[data-score-for="' + box.id + '"]');
    if (!out) return;
    let timer = null;
    let asked = 0;
    async function check() {
      const mine = ++asked;
      try {
        const response = await fetch("/api/console/staff/check-text", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify({ text: box.value }),
        });
        if (!response.ok || mine !== asked) return;
        const score = await response.json();
        out.textContent = "";
        if (score.characters) out.appendChild(para("score-line", score.summary));
        (score.problems || []).forEach(function (p) { out.appendChild(para("score-problem", p)); });
        (score.warnings || []).forEach(function (w) { out.appendChild(para("score-warning", w)); });
        if (score.ok && !(score.warnings || []).length) {
          out.appendChild(para("score-ok", "Plain and short enough to send."));
        }
        out.dataset.grade = score.grade;
        out.dataset.segments = score.segments;
      } catch (error) { /* keep the last score; the server checks again on save */ }
    }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 300);
    });
  });

  // Example counts ---------------------------------------------------------------------------
  document.querySelectorAll("textarea[data-min]").forEach(function (box) {
    const out = document.getElementById(box.id + "-count");
    const min = Number(box.dataset.min || 0);
    function count() {
      const n = box.value.split("\n").filter(function (line) { return line.trim(); }).length;
      out.textContent = n + " example" + (n === 1 ? "" : "s") + (n < min ? ": at least " + min + " needed." : ".");
    }
    if (out) { count(); box.addEventListener("input", count); }
  });

  // Training progress ------------------------------------------------------------------------
  const section = document.getElementById("training");
  const WORDS = { waiting: "waiting", running: "running now", passed: "done", failed: "FAILED", skipped: "skipped" };
  if (section && section.dataset.running) {
    const poll = async function () {
      try {
        const response = await fetch(section.dataset.poll, { credentials: "same-origin" });
        if (response.status === 401) { location.reload(); return; }
        const data = await response.json();
        if (!data.running) { location.replace(location.pathname); return; }
        (data.running.steps || []).forEach(function (step) {
          const item = section.querySelector('[data-step="' + step.name + '"]');
          if (!item) return;
          item.className = "step step-" + step.state;
          item.querySelector(".step-state").textContent = WORDS[step.state] || step.state;
          let detail = item.querySelector(".step-detail");
          if (!detail) {
            detail = document.createElement("span");
            detail.className = "step-detail";
            item.append(" ", detail);
          }
          detail.textContent = step.detail ? "(" + step.detail + ")" : "";
        });
      } catch (error) { /* try again on the next tick */ }
      setTimeout(poll, 2000);
    };
    setTimeout(poll, 2000);
  }
})();
