// The local web chat: sends to POST /api/chat and polls for navigator replies.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("send");
  const input = document.getElementById("text");
  const status = document.getElementById("status");
  let clientId = localStorage.getItem("chat_client_id");
  if (!clientId) {
    clientId = "web-" + (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
    localStorage.setItem("chat_client_id", clientId);
  }
  let lastSeen = Number(localStorage.getItem("chat_last_seen") || 0);
  const shown = new Set();

  function add(text, who, author, id) {
    if (id && shown.has(id)) return;
    if (id) shown.add(id);
    const item = document.createElement("li");
    item.className = who;
    const label = document.createElement("span");
    label.className = "who";
    label.textContent = who === "client" ? "You" : who === "navigator" ? (author || "Navigator") : "Helper";
    item.appendChild(label);
    item.appendChild(document.createTextNode(text));
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    if (id && id > lastSeen) { lastSeen = id; localStorage.setItem("chat_last_seen", String(lastSeen)); }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    add(text, "client");
    input.value = "";
    status.textContent = "Sending...";
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ client_id: clientId, text: text }),
      });
      const data = await response.json();
      if (!response.ok) { status.textContent = data.error || "Sorry, that did not send. Please try again."; return; }
      (data.replies || []).forEach(function (r) { add(r.text, "assistant", null, r.id); });
      status.textContent = data.handoff ? "A navigator has been asked to join this chat." : "";
    } catch (error) {
      status.textContent = "Sorry, that did not send. Please check your connection and try again.";
    }
    input.focus();
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });

  document.getElementById("new-chat").addEventListener("click", function () {
    localStorage.removeItem("chat_client_id");
    localStorage.removeItem("chat_last_seen");
    location.reload();
  });

  async function poll() {
    try {
      const response = await fetch("/api/chat/" + encodeURIComponent(clientId) + "/messages?after=" + lastSeen);
      if (response.ok) {
        const data = await response.json();
        (data.messages || []).forEach(function (m) { add(m.text, m.sender, m.author, m.id); });
      }
    } catch (error) { /* try again next time */ }
    setTimeout(poll, 3000);
  }
  setTimeout(poll, 3000);
})();
