// Navigator console: live queue (server-sent events), urgent alerts, live conversation updates.
// Everything works without this script too (plain forms and links); this only adds liveness.
(function () {
  "use strict";
  const body = document.body;
  const alertBox = document.getElementById("live-alert");
  const handoffId = body.dataset.handoff ? Number(body.dataset.handoff) : null;
  const baseTitle = document.title;

  // Sound -----------------------------------------------------------------------------------
  const soundBox = document.getElementById("sound-alert");
  let audio = null;
  function soundOn() { return localStorage.getItem("console_sound") === "1"; }
  if (soundBox) {
    soundBox.checked = soundOn();
    soundBox.addEventListener("change", function () {
      localStorage.setItem("console_sound", soundBox.checked ? "1" : "0");
      if (soundBox.checked) beep();  // the tick is the user gesture browsers need for sound
    });
  }
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.35].forEach(function (start) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.25, audio.currentTime + start);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + 0.3);
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + start);
        osc.stop(audio.currentTime + start + 0.3);
      });
    } catch (error) { /* no sound available: the visual alert remains */ }
  }

  // Urgent banner ----------------------------------------------------------------------------
  function showUrgent(count, newest) {
    if (!alertBox) return;
    if (!count) { alertBox.hidden = true; document.title = baseTitle; return; }
    alertBox.textContent = "";
    const words = count === 1 ? "1 urgent conversation is waiting. " : count + " urgent conversations are waiting. ";
    alertBox.appendChild(document.createTextNode(words));
    const link = document.createElement("a");
    link.href = newest ? "/console/handoffs/" + newest : "/console/queue";
    link.textContent = newest ? "Open conversation " + newest : "Open the queue";
    alertBox.appendChild(link);
    alertBox.hidden = false;
    document.title = "(" + count + " urgent) " + baseTitle;
  }

  // Live stream ------------------------------------------------------------------------------
  const liveState = document.getElementById("live-state");
  function setLive(text) { if (liveState) liveState.textContent = text; }

  if (body.dataset.live && window.EventSource) {
    const source = new EventSource(body.dataset.live);
    source.addEventListener("open", function () { setLive("Live updates: on"); });
    source.addEventListener("error", function () {
      setLive("Live updates lost. Trying again...");
      if (source.readyState === EventSource.CLOSED) {
        // The stream was refused (signed out, or the session ran out): check, then retry.
        fetch("/api/console/me", { credentials: "same-origin" }).then(function (response) {
          if (response.status === 401) location.reload();
          else setTimeout(function () { location.reload(); }, 10000);
        }).catch(function () { setTimeout(function () { location.reload(); }, 10000); });
      }
    });
    source.addEventListener("signed_out", function () { source.close(); location.reload(); });
    source.addEventListener("queue", function (message) {
      const data = JSON.parse(message.data);
      setLive("Live updates: on");
      const list = document.getElementById("queue");
      if (list) {
        list.innerHTML = data.html;  // rendered and escaped by the server's own template
        const count = document.getElementById("queue-count");
        if (count) count.textContent = data.waiting + " waiting" + (data.urgent_waiting ? ", " + data.urgent_waiting + " urgent" : "");
      }
      let newest = null;
      let fresh = false;
      (data.events || []).forEach(function (event) {
        if (event.priority === "urgent" && (event.type === "queued" || event.type === "escalated")) {
          fresh = true; newest = event.handoff_id;
        }
        if (handoffId && event.handoff_id === handoffId) onThisHandoff(event);
      });
      showUrgent(data.urgent_waiting, newest);
      if (fresh && soundOn()) beep();
    });
  }

  // Conversation page ------------------------------------------------------------------------
  const transcript = document.getElementById("transcript");
  let lastId = Number(body.dataset.lastMessage || 0);
  let polling = false;

  function onThisHandoff(event) {
    if (event.type === "message") { fetchNew(); return; }
    if (["claimed", "returned", "closed", "escalated"].indexOf(event.type) >= 0) {
      fetchNew();
      if (event.state !== body.dataset.state) {
        const changed = document.getElementById("changed");
        if (changed) changed.hidden = false;
      }
    }
  }

  function addMessage(m) {
    const item = document.createElement("li");
    item.className = "msg " + m.direction + " " + m.sender;
    item.dataset.id = m.id;
    const head = document.createElement("p");
    head.className = "msg-head";
    const who = document.createElement("span");
    who.className = "msg-who";
    who.textContent = m.who;
    const time = document.createElement("time");
    time.dateTime = m.at;
    time.textContent = m.at_words;
    head.append(who, " ", time);
    if (m.safety_level === "crisis" || m.safety_level === "trauma") {
      const badge = document.createElement("span");
      badge.className = "badge level-" + m.safety_level;
      badge.textContent = m.safety_level === "crisis" ? "Crisis" : "Trauma";
      head.append(" ", badge);
    }
    const text = document.createElement("p");
    text.className = "msg-text";
    text.textContent = m.text;
    item.append(head, text);
    if (m.direction === "out") {
      const delivery = document.createElement("p");
      delivery.className = "delivery";
      delivery.textContent = m.status_words;
      item.append(delivery);
    }
    transcript.appendChild(item);
  }

  async function fetchNew() {
    if (!handoffId || !transcript || polling) return;
    polling = true;
    try {
      const response = await fetch("/api/console/handoffs/" + handoffId + "/messages?after=" + lastId,
        { headers: { "Accept": "application/json" }, credentials: "same-origin" });
      if (response.status === 401) { location.reload(); return; }
      if (response.ok) {
        const data = await response.json();
        (data.messages || []).forEach(function (m) {
          if (m.id > lastId) { addMessage(m); lastId = m.id; }
        });
        Object.keys(data.delivery || {}).forEach(function (id) {
          const node = transcript.querySelector('li[data-id="' + id + '"] .delivery');
          if (node && node.textContent.indexOf(":") < 0) node.textContent = data.delivery[id];
        });
      }
    } catch (error) { /* try again on the next tick */ }
    polling = false;
  }
  if (handoffId) setInterval(fetchNew, 5000);

  // Reply box: canned replies and a length hint -----------------------------------------------
  const canned = document.getElementById("canned");
  const replyText = document.getElementById("reply-text");
  const counter = document.getElementById("reply-count");
  let lastCanned = "";
  function count() {
    if (!replyText || !counter) return;
    const n = replyText.value.length;
    if (!n) return;
    const parts = n <= 160 ? 1 : Math.ceil(n / 153);
    const plain = /^[\x20-\x7E\n£]*$/.test(replyText.value);
    counter.textContent = n + " characters, about " + parts + " text message" + (parts === 1 ? "" : "s") +
      (plain ? "." : ". Some characters are not plain text and make SMS longer.");
  }
  if (canned && replyText) {
    canned.addEventListener("change", function () {
      const option = canned.options[canned.selectedIndex];
      const text = option ? option.dataset.text || "" : "";
      if (!replyText.value.trim() || replyText.value === lastCanned) {
        replyText.value = text;
        lastCanned = text;
        count();
      }
    });
    replyText.addEventListener("input", count);
  }
})();
