// The simulator's page: the reader's screen (its own loopback page) beside
// controls that call this control endpoint, as `palmctl sim` does, and
// views of the light ring, the speaker and the door controller.
"use strict";

const $ = (s) => document.querySelector(s);
const post = (path, body, type = "application/json") =>
  fetch(path, { method: "POST", headers: { "Content-Type": type }, body: typeof body === "string" || body instanceof Blob ? body : JSON.stringify(body) });
const get = (path) => fetch(path).then((r) => (r.ok ? r.json() : null)).catch(() => null);
let about = null;

const actions = {
  "camera-show": async () => { const f = $("#code").files[0]; if (f) await post("/camera", f, f.type); },
  "camera-clear": () => post("/camera", ""),
  "hand": () => post("/hand", { person: Number($("#person").value), hand: $("#hand").value, pose: $("#pose").value }),
  "badge": () => post("/badge", { text: $("#badge").value }),
  "hand-away": () => post("/hand", { away: true }),
  "camera-unplug": () => post("/camera/unplug", ""),
  "camera-plug": () => post("/camera/plug", ""),
  "tamper-open": () => post("/pins/" + about.tamper_pin, { level: about.tamper_open_level }),
  "tamper-close": () => post("/pins/" + about.tamper_pin, { level: about.tamper_open_level === "high" ? "low" : "high" }),
  "rex": () => post("/pins/" + about.gpi_pin, { level: about.gpi_pressed_level, pulse: "1s" }),
  "cable-out": () => post("/network", { cable: false }),
  "cable-in": () => post("/network", { cable: true }),
  "panel-silent": () => post("/panel", { answer: false }),
  "panel-answer": () => post("/panel", { answer: true }),
  "preview": () => { $("#screen").src = `${about.screen_url}?screen=${$("#pv-screen").value}&lang=${$("#pv-lang").value}`; },
  "live": () => { $("#screen").src = about.screen_url; },
};

function palmButtons() {
  const palms = $("#palms");
  const add = (label, body) => {
    const b = document.createElement("button");
    b.textContent = label;
    b.onclick = () => post("/identify", body);
    palms.append(b);
  };
  for (const g of about.grants) {
    const [facility, card] = g.split(":").map(Number);
    add(`Enrolled, badge ${g} (the panel grants it)`, { facility, card });
  }
  add("Enrolled, badge 12:7 (the panel denies it)", { facility: 12, card: 7 });
  add("Nobody enrolled", { nobody: true });
}

// The light ring, drawn as drivers/lightring's Frame draws it.
function ringLevel(motion, phase, pos) {
  if (motion === "breathe") return 0.15 + 0.85 * (0.5 - 0.5 * Math.cos(2 * Math.PI * phase));
  if (motion === "spin") return Math.max(0.05, 1 - 3 * (((pos - phase) % 1) + 1) % 1);
  if (motion === "blink") return phase < 0.5 ? 1 : 0;
  return 1;
}
let pattern = null;
function drawRing(now) {
  const dots = $("#ring").children;
  if (pattern) {
    const period = pattern.period / 1e6; // ns to ms
    const phase = period > 0 ? ((now - Date.parse(pattern.at)) / period) % 1 : 0;
    for (let i = 0; i < dots.length; i++) {
      const l = ringLevel(pattern.motion, phase, i / dots.length), c = pattern.color;
      dots[i].style.background = dots[i].style.color = `rgb(${c.R * l},${c.G * l},${c.B * l})`;
    }
  }
  requestAnimationFrame(drawRing);
}

function play(sound) {
  const ctx = new AudioContext();
  let t = ctx.currentTime;
  for (const tone of sound.tones) {
    const d = tone.for / 1e9;
    if (tone.hz > 0) {
      const o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = tone.hz; g.gain.value = 0.2;
      o.connect(g).connect(ctx.destination); o.start(t); o.stop(t + d);
    }
    t += d;
  }
}

const ms = (a, b) => (b && !b.startsWith("0001") ? `${Math.round(Date.parse(b) - Date.parse(a))} ms` : "");
async function refresh() {
  const [st, lights, sounds, panel, net] = await Promise.all([get("/state"), get("/lights"), get("/sounds"), get("/panel"), get("/network")]);
  if (st) {
    $("#status").textContent = `phase ${st.phase}, screen ${st.screen.name} (${st.screen.language})` +
      `${st.mode ? ", " + st.mode + " over " + (st.panel_protocol || "?") : ""}\nhealth ${st.health.status}` +
      `${st.health.failing ? " (" + st.health.failing.join(", ") + ")" : ""}, panel link ${st.panel_up ? "up" : "down"}, tamper ${st.tamper ? "OPEN" : "closed"}` +
      (net ? `\nnetwork: Ethernet cable ${net.cable ? "in" : "out"}${net.ssid ? ", Wi-Fi " + net.ssid : ""}` : "");
    // A desk takes badges and enrols hands; a door identifies palms.
    const desk = st.mode === "enrollment";
    $("#identified").hidden = desk;
    $("#scanner").hidden = !desk;
  }
  if (lights && lights.length) pattern = lights[lights.length - 1];
  if (sounds) {
    $("#sounds").replaceChildren(...sounds.slice(-8).reverse().map((s) => {
      const li = document.createElement("li");
      li.textContent = `${new Date(s.at).toLocaleTimeString()}  ${s.name}`;
      li.onclick = () => play(s);
      return li;
    }));
  }
  if (panel) {
    $("#panel tbody").replaceChildren(...panel.reads.slice(-6).reverse().map((r) => {
      const tr = document.createElement("tr");
      const answer = r.undecodable ? "denied: " + r.undecodable : !r.answered || r.answered.startsWith("0001") ? "no answer" : r.granted ? "granted" : "denied";
      for (const [text, cls] of [[new Date(r.read).toLocaleTimeString(), ""], [`${r.badge} (${r.bits} bits)`, ""],
        [answer, answer === "no answer" ? "none" : r.granted ? "granted" : "denied"], [ms(r.read, r.answered), ""]]) {
        const td = document.createElement("td"); td.textContent = text; td.className = cls; tr.append(td);
      }
      return tr;
    }));
  }
}

async function start() {
  about = await get("/sim");
  if (about.screen_url) $("#screen").src = about.screen_url;
  else $("#screen").replaceWith(Object.assign(document.createElement("p"), { textContent: "palmd runs without -ui: no touchscreen page." }));
  palmButtons();
  $("#networks").textContent = "Wi-Fi in range: " + about.networks.map((n) => n.ssid + (n.Passphrase ? ` (password ${n.Passphrase})` : " (open)")).join(", ");
  for (const s of about.screens.sort()) $("#pv-screen").append(new Option(s, s));
  for (const l of about.languages) $("#pv-lang").append(new Option(l, l));
  for (const p of about.poses) $("#pose").append(new Option(p.replace("-", " "), p, p === "held-right", p === "held-right"));
  for (let i = 0; i < about.leds; i++) {
    const d = document.createElement("span"), a = (2 * Math.PI * i) / about.leds;
    d.style.left = `${102 + 96 * Math.sin(a)}px`; d.style.top = `${102 - 96 * Math.cos(a)}px`;
    $("#ring").append(d);
  }
  document.body.addEventListener("click", (e) => { const a = e.target.dataset.do; if (a) actions[a](); });
  $("#fit").onchange = (e) => document.body.classList.toggle("fit", e.target.checked);
  requestAnimationFrame(drawRing);
  setInterval(refresh, 300);
  refresh();
}
start();
