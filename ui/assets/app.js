// The reader's screen: draws the view palmd streams (/events) and posts
// touches (/touch). It decides nothing: every text, button and picture
// comes in the view. The on-screen keyboard is the page's own, so a
// passphrase leaves the page once, with the Connect touch.
"use strict";

const main = document.getElementById("screen");
const params = new URLSearchParams(location.search);
const preview = params.get("screen");

// Pictures: line drawings, 100x100 units, white on the screen's tone.
const svg = (body, cls = "") => `<svg viewBox="0 0 100 100" class="${cls}">${body}</svg>`;
const palmPath = "M35 88 L30 60 L18 42 Q16 36 22 36 L34 48 L34 16 Q34 10 39 10 Q44 10 44 16 L44 40 L46 8 Q46 2 51 2 Q56 2 56 8 L56 40 L60 12 Q61 6 66 7 Q70 8 70 14 L67 44 L74 24 Q76 19 80 21 Q84 23 82 29 L74 62 L70 88 Z";
const pictures = {
  tap: svg('<circle cx="50" cy="38" r="14"/><circle cx="50" cy="38" r="26" stroke-width="4"/><path d="M50 38 L50 84 M38 60 L50 84 L62 60"/>'),
  network: svg('<rect x="8" y="56" width="34" height="30" rx="4"/><path d="M17 56 L17 46 L33 46 L33 56"/><path d="M58 48 Q74 32 90 48 M64 56 Q74 46 84 56"/><circle cx="74" cy="66" r="4"/>'),
  wifi: svg('<path d="M14 42 Q50 8 86 42 M26 54 Q50 32 74 54 M38 66 Q50 56 62 66"/><circle cx="50" cy="78" r="5"/>'),
  spinner: svg('<circle cx="50" cy="50" r="38" stroke-opacity="0.25"/><path d="M50 12 A38 38 0 0 1 88 50"/>', "spinner"),
  qr: svg('<path d="M10 30 L10 10 L30 10 M70 10 L90 10 L90 30 M90 70 L90 90 L70 90 M30 90 L10 90 L10 70"/><rect x="24" y="24" width="18" height="18"/><rect x="58" y="24" width="18" height="18"/><rect x="24" y="58" width="18" height="18"/><path d="M60 60 L60 76 L76 76 M68 60 L76 60 L76 68" stroke-width="6"/>'),
  check: svg('<circle cx="50" cy="50" r="40"/><path d="M30 52 L44 66 L72 36"/>'),
  cross: svg('<circle cx="50" cy="50" r="40"/><path d="M34 34 L66 66 M66 34 L34 66"/>'),
  door: svg('<rect x="26" y="8" width="48" height="84" rx="3"/><circle cx="62" cy="52" r="4"/><path d="M84 30 L96 30 M84 50 L96 50"/>'),
  alarm: svg('<path d="M50 8 L94 88 L6 88 Z"/><path d="M50 36 L50 62"/><circle cx="50" cy="74" r="3"/>'),
  camera: svg('<rect x="8" y="28" width="84" height="56" rx="8"/><circle cx="50" cy="56" r="16"/><path d="M34 28 L40 16 L60 16 L66 28 M14 14 L86 96" />'),
  config: svg('<circle cx="50" cy="50" r="14"/><path d="M50 8 L50 22 M50 78 L50 92 M8 50 L22 50 M78 50 L92 50 M20 20 L30 30 M70 70 L80 80 M80 20 L70 30 M30 70 L20 80"/>'),
  badge: svg('<rect x="20" y="10" width="60" height="80" rx="8"/><circle cx="50" cy="40" r="12"/><path d="M34 70 L66 70 M40 80 L60 80"/>'),
  document: svg('<path d="M22 6 L64 6 L80 22 L80 94 L22 94 Z M64 6 L64 22 L80 22"/><path d="M34 40 L68 40 M34 54 L68 54 M34 68 L58 68"/>'),
  none: "",
};

// palmPicture is the hand over the reader, moved the way the hint asks.
function palmPicture(hint) {
  const t = { "too-far": ["scale(0.7) translate(21 10)", 0, 10], "too-close": ["scale(1.15) translate(-7 -10)", 0, -10],
    "off-centre": ["translate(18 0)", -14, 0], "tilted": ["rotate(18 50 50)", 0, 0] }[hint] || ["", 0, 0];
  const fingers = hint === "fingers-closed" ? '<path d="M26 24 L16 14 M74 24 L84 14" stroke-width="5"/>' : "";
  const light = hint === "too-dark" || hint === "too-bright" ? '<circle cx="84" cy="14" r="8" stroke-width="5"/>' : "";
  return `<svg viewBox="0 0 100 100" class="nudge" style="--dx:${t[1]}px;--dy:${t[2]}px"><path d="M10 97 L90 97" stroke-width="6"/>` +
    `<g transform="${t[0]}"><path d="${palmPath}" stroke-width="5"/></g>${fingers}${light}</svg>`;
}

const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids.filter((k) => k != null));
  return e;
};

async function touch(button, value) {
  if (preview) return;
  const body = JSON.stringify(value ? { button, value } : { button });
  await fetch("/touch", { method: "POST", headers: { "Content-Type": "application/json" }, body }).catch(() => {});
}

function buttonEl(b, cls = "") {
  return el("button", { className: (b.primary ? "primary " : "") + cls, textContent: b.label, disabled: !!preview,
    onclick: () => touch(b.id, b.value) }, );
}

function signalIcon(n) {
  const bars = [1, 34, 67].map((lvl, i) => `<path d="M${10 + i * 14} 44 L${10 + i * 14} ${44 - 12 * (i + 1)}" stroke-opacity="${n.signal >= lvl ? 1 : 0.3}"/>`).join("");
  const lock = n.secured ? '<rect x="62" y="26" width="22" height="18" rx="3"/><path d="M66 26 L66 20 Q73 12 80 20 L80 26"/>' : "";
  return `<svg viewBox="0 0 100 50">${bars}${lock}</svg>`;
}

function networksEl(v) {
  const list = el("div", { className: "networks" });
  for (const n of v.networks || []) {
    const b = el("button", { disabled: !!preview, onclick: () => touch("network", n.ssid) },
      el("span", {}, el("span", { textContent: n.ssid }), el("span", { className: "kind", textContent: n.kind })));
    b.dataset.button = "network";
    b.dataset.value = n.ssid;
    b.insertAdjacentHTML("beforeend", signalIcon(n));
    list.append(b);
  }
  return list;
}

// The on-screen keyboard: letters, shift, and a symbols page.
const pages = {
  letters: ["qwertyuiop", "asdfghjkl", "zxcvbnm"],
  symbols: ["1234567890", "-/:;()$&@\"", "#=.,?!'_+%", "[]{}<>*^~\\|"],
};

function keyboardEl(v) {
  const st = { text: "", shift: false, page: "letters", shown: false };
  const out = el("output", { id: "typed" });
  const show = el("button", { textContent: v.labels["keyboard.show"], disabled: !!preview });
  const submit = buttonEl(v.keyboard);
  submit.dataset.button = v.keyboard.id;
  submit.onclick = () => touch(v.keyboard.id, st.text);
  const keys = el("div", { className: "keyboard" });
  const redraw = () => {
    out.textContent = st.shown ? st.text : "•".repeat(st.text.length);
    show.textContent = v.labels[st.shown ? "keyboard.hide" : "keyboard.show"];
    submit.disabled = !!preview || st.text.length < 8 || st.text.length > 63;
    keys.replaceChildren(...rows());
  };
  const key = (label, fn, cls = "") => {
    const b = el("button", { className: cls, textContent: label, disabled: !!preview, onclick: () => { fn(); redraw(); } });
    b.dataset.key = label;
    return b;
  };
  const rows = () => {
    const rs = pages[st.page].map((r, i) => {
      const row = el("div", { className: "row" });
      if (st.page === "letters" && i === 2) row.append(key(v.labels["keyboard.shift"], () => (st.shift = !st.shift), "wide" + (st.shift ? " on" : "")));
      for (const c of r) {
        const ch = st.shift ? c.toUpperCase() : c;
        row.append(key(ch, () => { if (st.text.length < 63) st.text += ch; st.shift = false; }));
      }
      if (i === 2 || (st.page === "symbols" && i === 3)) row.append(key(v.labels["keyboard.delete"], () => (st.text = st.text.slice(0, -1)), "wide"));
      return row;
    });
    const flip = st.page === "letters" ? "symbols" : "letters";
    rs.push(el("div", { className: "row" }, key(v.labels["keyboard." + flip], () => (st.page = flip), "wide"),
      key(v.labels["keyboard.space"], () => (st.text += " "), "space")));
    return rs;
  };
  show.onclick = () => { st.shown = !st.shown; redraw(); };
  redraw();
  return [el("div", { className: "password" }, out, show), keys, submit];
}

function handsEl(v) {
  if (!v.hands) return null;
  return el("div", { className: "hands" }, ...v.hands.map((h) =>
    el("label", { textContent: h.label }, el("div", { className: "bar" },
      el("div", { style: `width:${Math.round((100 * h.done) / Math.max(1, h.needed))}%` })))));
}

function render(v) {
  // A screen with a list, a keyboard or progress bars keeps the room for
  // them: a small picture, or none.
  const busy = v.keyboard || v.networks || v.hands;
  const pic = v.keyboard ? null : el("div", { className: "picture" + (busy ? " small" : "") });
  if (pic) pic.innerHTML = v.picture === "palm" ? palmPicture(v.hint) : pictures[v.picture] || "";
  const kids = [pic, el("h1", { textContent: v.title, className: v.keyboard ? "compact" : "" })];
  if (v.body) kids.push(el("p", { className: "body", textContent: v.body }));
  if (v.hints && v.hints.length) kids.push(el("ul", { className: "hints" }, ...v.hints.map((h) => el("li", { textContent: h }))));
  kids.push(handsEl(v));
  if (v.networks) kids.push(networksEl(v));
  if (v.detail) kids.push(el("p", { className: "detail" }, el("b", { textContent: v.labels.detail + ": " }), v.detail));
  kids.push(el("div", { className: "spacer" }));
  // Two buttons (an action and Back) sit side by side, Back first.
  const list = (v.buttons || []).map((b) => {
    const e = buttonEl(b);
    e.dataset.button = b.id;
    return e;
  });
  if (v.keyboard) {
    const [typed, keys, submit] = keyboardEl(v);
    kids.push(typed, keys);
    list.push(submit);
  }
  const pair = list.length === 2;
  if (pair) list.sort((a, b) => (b.dataset.button === "back") - (a.dataset.button === "back"));
  kids.push(el("div", { className: "buttons" + (pair ? " pair" : "") }, ...list));
  if (v.tap) {
    const t = buttonEl(v.tap, "tap");
    t.dataset.button = v.tap.id;
    kids.push(t);
  }
  if (v.banner) kids.push(el("div", { className: "banner", textContent: v.banner }));
  if (preview) kids.push(el("div", { className: "preview", textContent: v.labels.preview }));
  main.replaceChildren(...kids.filter((k) => k != null));
  document.documentElement.lang = v.lang;
  Object.assign(document.body.dataset, { screen: v.screen, lang: v.lang, tone: v.tone, seq: v.seq, servedAt: v.at || 0,
    shownAt: (performance.timeOrigin + performance.now()).toFixed(1) });
}

// connect follows palmd's stream; when palmd restarts the stream breaks
// and the page reconnects, and the first event is the current screen.
function connect() {
  const es = new EventSource("/events");
  es.onopen = () => (document.body.dataset.connected = "true");
  es.onmessage = (e) => render(JSON.parse(e.data));
  es.onerror = () => {
    document.body.dataset.connected = "false";
    if (es.readyState === EventSource.CLOSED) setTimeout(connect, 500);
  };
}

if (preview) {
  fetch(`/view?screen=${encodeURIComponent(preview)}&lang=${encodeURIComponent(params.get("lang") || "en")}`)
    .then((r) => r.json()).then(render);
  document.body.dataset.connected = "true";
} else {
  connect();
}
