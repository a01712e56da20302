// Desk page of the appli carte Vitale over apcv agent: plain JavaScript, no
// build step. It pairs with the local agent (the token `apcv agent pair`
// prints), reads through POST /v1/read, follows GET /v1/events and shows the
// verified identity MASKED (NIR as "2 78 05 ** *** *** 80", names reduced to
// their initial, birth dates to the year: the rules of credential.FamilyJSON's
// masked form) until the user presses "Afficher". A refusal shows the desk
// message of the agent's error body, in French unless EN is chosen.
"use strict";

const T = {
  fr: {
    title: "Accueil — appli carte Vitale",
    pairingTitle: "Association avec l'agent local",
    pairingHelp: "Collez le jeton affiché par « apcv agent pair » sur ce poste.",
    agentLabel: "Adresse de l'agent", tokenLabel: "Jeton d'association",
    remember: "Mémoriser sur ce poste", pair: "Associer", unpair: "Dissocier",
    deskTitle: "Lecture", read: "Lire l'appli carte Vitale", cancel: "Annuler",
    colQualite: "Qualité", colNom: "Nom", colPrenoms: "Prénoms", colNaissance: "Naissance",
    colNIR: "NIR", colOrganisme: "Organisme",
    show: "Afficher les données", hide: "Masquer les données",
    liveTitle: "Événements",
    unpaired: "Non associé : collez le jeton de l'agent.",
    pairing: "Association…",
    paired: (n) => `Associé à l'agent (${n} lecteur${n > 1 ? "s" : ""}). Prêt.`,
    reading: "Présentez l'appli carte Vitale (sans contact ou QR code)…",
    identity: "Identité vérifiée.",
    refused: "Lecture refusée.",
    cancelled: "Lecture annulée.",
    networkError: "L'agent local ne répond pas, ou refuse cette page (origine non autorisée).",
    error: "Association refusée.",
    "network-error": "Agent local injoignable.",
    verification: (v, mode) => `Vérifiée (${mode}, émetteur ${v.issuer}, présentée le ${new Date(v.presentedAt).toLocaleString("fr-FR")}).`,
    eventsOn: "Flux d'événements connecté.", eventsOff: "Flux d'événements coupé.",
    ev: {
      "device-added": "Lecteur branché", "device-removed": "Lecteur débranché",
      "phone-presented": "Téléphone présenté", "reading": "Lecture en cours",
      "identity": "Identité vérifiée", "refused": "Refus",
    },
    beneficiaires: (n) => `${n} bénéficiaire${n > 1 ? "s" : ""}`,
    qualite: { 0: "assuré", 1: "ascendant", 2: "conjoint", 3: "conjoint divorcé", 4: "concubin",
      5: "conjoint séparé", 6: "enfant", 8: "bénéficiaire", 9: "conjoint veuf" },
  },
  en: {
    title: "Front desk — carte Vitale app",
    pairingTitle: "Pairing with the local agent",
    pairingHelp: "Paste the token printed by “apcv agent pair” on this computer.",
    agentLabel: "Agent address", tokenLabel: "Pairing token",
    remember: "Remember on this computer", pair: "Pair", unpair: "Unpair",
    deskTitle: "Reading", read: "Read the carte Vitale app", cancel: "Cancel",
    colQualite: "Relation", colNom: "Name", colPrenoms: "First names", colNaissance: "Birth",
    colNIR: "NIR", colOrganisme: "Fund",
    show: "Show the data", hide: "Hide the data",
    liveTitle: "Events",
    unpaired: "Not paired: paste the agent's token.",
    pairing: "Pairing…",
    paired: (n) => `Paired with the agent (${n} reader${n > 1 ? "s" : ""}). Ready.`,
    reading: "Present the carte Vitale app (contactless or QR code)…",
    identity: "Identity verified.",
    refused: "Reading refused.",
    cancelled: "Reading cancelled.",
    networkError: "The local agent does not answer, or refuses this page (origin not allowed).",
    error: "Pairing refused.",
    "network-error": "Local agent unreachable.",
    verification: (v, mode) => `Verified (${mode}, issuer ${v.issuer}, presented ${new Date(v.presentedAt).toLocaleString("en-GB")}).`,
    eventsOn: "Event stream connected.", eventsOff: "Event stream closed.",
    ev: {
      "device-added": "Reader plugged in", "device-removed": "Reader unplugged",
      "phone-presented": "Phone presented", "reading": "Reading",
      "identity": "Identity verified", "refused": "Refused",
    },
    beneficiaires: (n) => `${n} beneficiar${n > 1 ? "ies" : "y"}`,
    qualite: { 0: "insured", 1: "ascendant", 2: "spouse", 3: "divorced spouse", 4: "partner",
      5: "separated spouse", 6: "child", 8: "beneficiary", 9: "widowed spouse" },
  },
};

// Masking, as credential.NIR.Masked, credential.MaskName and the masked
// dates of credential.FamilyJSON.
function maskNIR(n) {
  if (typeof n !== "string") return "";
  if (n.length !== 15) return "*".repeat(n.length);
  return `${n[0]} ${n.slice(1, 3)} ${n.slice(3, 5)} ** *** *** ${n.slice(13, 15)}`;
}
function formatNIR(n) {
  if (typeof n !== "string" || n.length !== 15) return n || "";
  return `${n[0]} ${n.slice(1, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7, 10)} ${n.slice(10, 13)} ${n.slice(13, 15)}`;
}
function maskName(s) {
  if (!s) return "";
  const r = Array.from(s);
  return r[0] + "*".repeat(Math.min(r.length - 1, 5));
}
function maskDate(d) {
  return d ? `${d.slice(0, 4)}-**-**` : "";
}

const $ = (id) => document.getElementById(id);
const state = {
  lang: "fr",
  agent: "",
  token: "",
  identity: null,   // the last verified identity, in memory only: never stored
  shown: false,
  read: null,       // AbortController of the running read
  events: null,     // AbortController of the event stream
  status: { key: "unpaired", arg: undefined },
  refusal: null,    // the last error body {code, message_fr, message_en}
};

function t(key, ...args) {
  const v = T[state.lang][key];
  return typeof v === "function" ? v(...args) : v;
}

function setStatus(key, arg) {
  state.status = { key, arg };
  const s = $("status");
  s.dataset.state = key;
  s.textContent = t(key, arg);
}

function applyLang() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  $("lang-fr").setAttribute("aria-pressed", String(state.lang === "fr"));
  $("lang-en").setAttribute("aria-pressed", String(state.lang === "en"));
  setStatus(state.status.key, state.status.arg);
  if (state.read) $("read").textContent = t("cancel");
  renderRefusal();
  renderIdentity();
}

// --- token storage: sessionStorage (this tab) unless "remember" is ticked,
// then localStorage; keyed by the agent's address.
function tokenKey() { return "apcv-agent-token " + state.agent; }
function loadToken() {
  return sessionStorage.getItem(tokenKey()) || localStorage.getItem(tokenKey()) || "";
}
function saveToken(token, remember) {
  sessionStorage.setItem(tokenKey(), token);
  if (remember) localStorage.setItem(tokenKey(), token);
  else localStorage.removeItem(tokenKey());
}
function forgetToken() {
  sessionStorage.removeItem(tokenKey());
  localStorage.removeItem(tokenKey());
}

// api calls the agent; it resolves to {status, body} (body parsed as JSON
// when it is JSON) and rejects only when the agent cannot be reached or
// refuses the page by CORS (fetch's TypeError).
async function api(method, path, body, signal) {
  const headers = { "Authorization": "Bearer " + state.token };
  const init = { method, headers, signal, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(state.agent + path, init);
  const text = await r.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
  return { status: r.status, body: parsed };
}

function errorBody(res) {
  const b = res.body;
  if (b && typeof b.code === "string") return b;
  return { code: "http-" + res.status, message_fr: `Erreur HTTP ${res.status}.`, message_en: `HTTP error ${res.status}.` };
}

function renderRefusal() {
  const el = $("refusal");
  const e = state.refusal;
  if (!e) { el.hidden = true; el.textContent = ""; delete el.dataset.code; return; }
  el.hidden = false;
  el.dataset.code = e.code;
  el.textContent = (state.lang === "en" ? e.message_en : e.message_fr) || e.message_fr || e.code;
}

function showError(e, statusKey) {
  state.refusal = e;
  renderRefusal();
  setStatus(statusKey || "refused");
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function renderIdentity() {
  const id = state.identity;
  const box = $("identity");
  const body = $("beneficiaires");
  body.replaceChildren();
  if (!id) { box.hidden = true; return; }
  box.hidden = false;
  const show = state.shown;
  $("verification").textContent = t("verification", id.verification, id.mode) + " " + t("beneficiaires", id.beneficiaires.length);
  for (const b of id.beneficiaires) {
    const tr = document.createElement("tr");
    cell(tr, T[state.lang].qualite[b.qualite] || String(b.qualite), "qualite");
    const nom = b.nomUsage ? `${b.nomFamille} (${b.nomUsage})` : b.nomFamille;
    cell(tr, show ? nom : (b.nomUsage ? `${maskName(b.nomFamille)} (${maskName(b.nomUsage)})` : maskName(b.nomFamille)), "nom");
    cell(tr, show ? b.prenoms : maskName(b.prenoms), "prenoms");
    cell(tr, show ? b.dateNaissance : maskDate(b.dateNaissance), "naissance");
    cell(tr, show ? formatNIR(b.nir) : maskNIR(b.nir), "nir");
    const o = b.organisme || "";
    cell(tr, o.length === 9 ? `${o.slice(0, 2)} ${o.slice(2, 5)} ${o.slice(5)}` : o, "organisme");
    body.appendChild(tr);
  }
  const btn = $("show");
  btn.textContent = t(show ? "hide" : "show");
  btn.setAttribute("aria-pressed", String(show));
  box.dataset.masked = String(!show);
}

async function pair(ev) {
  ev.preventDefault();
  state.agent = $("agent-url").value.replace(/\/+$/, "");
  state.token = $("token").value.trim();
  setStatus("pairing");
  let res;
  try {
    res = await api("GET", "/v1/readers");
  } catch (e) {
    showError({ code: "network", message_fr: T.fr.networkError, message_en: T.en.networkError }, "network-error");
    return;
  }
  if (res.status !== 200) {
    state.token = "";
    showError(errorBody(res), "error");
    return;
  }
  saveToken($("token").value.trim(), $("remember").checked);
  $("token").value = "";
  paired(res.body);
}

function paired(readers) {
  const n = Array.isArray(readers) ? readers.length : (readers && Array.isArray(readers.readers) ? readers.readers.length : 0);
  state.refusal = null;
  renderRefusal();
  setStatus("paired", n);
  $("read").disabled = false;
  $("unpair").hidden = false;
  $("pair").hidden = true;
  startEvents();
}

function unpair() {
  forgetToken();
  state.token = "";
  state.identity = null;
  state.shown = false;
  if (state.events) state.events.abort();
  if (state.read) state.read.abort();
  $("read").disabled = true;
  $("unpair").hidden = true;
  $("pair").hidden = false;
  renderIdentity();
  setStatus("unpaired");
}

async function read() {
  if (state.read) { state.read.abort(); return; }  // the button is "Annuler" while reading
  state.identity = null;
  state.shown = false;
  state.refusal = null;
  renderIdentity();
  renderRefusal();
  setStatus("reading");
  const ctl = new AbortController();
  state.read = ctl;
  $("read").textContent = t("cancel");
  try {
    const res = await api("POST", "/v1/read", { timeout_ms: 60000 }, ctl.signal);
    if (res.status === 200 && res.body && Array.isArray(res.body.beneficiaires)) {
      state.identity = res.body;
      renderIdentity();
      setStatus("identity");
    } else {
      showError(errorBody(res), "refused");
    }
  } catch (e) {
    if (e.name === "AbortError") setStatus("cancelled");
    else showError({ code: "network", message_fr: T.fr.networkError, message_en: T.en.networkError }, "network-error");
  } finally {
    state.read = null;
    $("read").textContent = t("read");
  }
}

// --- events: GET /v1/events read with fetch() streaming, so the token goes
// in the Authorization header like every other call (EventSource cannot send
// headers). The stream is parsed as text/event-stream; identity events are
// shown without any personal data.
function addEvent(type, data) {
  const li = document.createElement("li");
  li.dataset.type = type;
  const time = data && data.time ? new Date(data.time).toLocaleTimeString(state.lang) : "";
  let text = `${time} ${T[state.lang].ev[type] || type}`;
  if (data && data.device) text += ` — ${data.device}`;
  if (type === "identity" && data && data.identity && Array.isArray(data.identity.beneficiaires)) {
    text += ` (${t("beneficiaires", data.identity.beneficiaires.length)})`;
  }
  if (type === "refused" && data && data.error) {
    text += ` : ${(state.lang === "en" ? data.error.message_en : data.error.message_fr) || data.error.code}`;
    li.dataset.code = data.error.code;
  }
  li.textContent = text.trim();
  const list = $("events");
  list.prepend(li);
  while (list.children.length > 50) list.lastChild.remove();
}

async function startEvents() {
  if (state.events) state.events.abort();
  const ctl = new AbortController();
  state.events = ctl;
  const st = $("events-state");
  let retry = 1000;
  while (!ctl.signal.aborted) {
    try {
      const r = await fetch(state.agent + "/v1/events", {
        headers: { "Authorization": "Bearer " + state.token, "Accept": "text/event-stream" },
        signal: ctl.signal, cache: "no-store",
      });
      if (r.status !== 200 || !r.body) {
        st.dataset.state = "error";
        st.textContent = `${t("eventsOff")} (HTTP ${r.status})`;
        if (r.status === 401 || r.status === 403) return;
      } else {
        st.dataset.state = "on";
        st.textContent = t("eventsOn");
        retry = 1000;
        await readSSE(r.body, addEvent);
      }
    } catch (e) {
      if (ctl.signal.aborted) break;
      st.dataset.state = "error";
      st.textContent = t("eventsOff");
    }
    await new Promise((ok) => setTimeout(ok, retry));
    retry = Math.min(retry * 2, 30000);
  }
  st.dataset.state = "off";
  st.textContent = t("eventsOff");
}

// readSSE calls onEvent(type, data) for each event of a text/event-stream
// body; data is the parsed JSON of the data lines (or their text).
async function readSSE(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "", type = "", data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let i;
    while ((i = buf.search(/\r\n|\n|\r/)) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(buf[i] === "\r" && buf[i + 1] === "\n" ? i + 2 : i + 1);
      if (line === "") {
        if (data.length) {
          const text = data.join("\n");
          let parsed = text;
          try { parsed = JSON.parse(text); } catch (e) { /* not JSON: keep the text */ }
          onEvent(type || (parsed && parsed.type) || "message", parsed);
        }
        type = ""; data = [];
      } else if (line.startsWith(":")) {
        // comment (keep-alive)
      } else {
        const c = line.indexOf(":");
        const field = c < 0 ? line : line.slice(0, c);
        const v = c < 0 ? "" : line.slice(c + 1).replace(/^ /, "");
        if (field === "event") type = v;
        else if (field === "data") data.push(v);
      }
    }
  }
}

function init() {
  const q = new URLSearchParams(location.search);
  state.lang = q.get("lang") === "en" ? "en" : "fr";
  state.agent = (q.get("agent") || localStorage.getItem("apcv-agent-url") || "http://127.0.0.1:7723").replace(/\/+$/, "");
  $("agent-url").value = state.agent;
  $("pair-form").addEventListener("submit", pair);
  $("unpair").addEventListener("click", unpair);
  $("read").addEventListener("click", read);
  $("show").addEventListener("click", () => { state.shown = !state.shown; renderIdentity(); });
  $("lang-fr").addEventListener("click", () => { state.lang = "fr"; applyLang(); });
  $("lang-en").addEventListener("click", () => { state.lang = "en"; applyLang(); });
  applyLang();
  const saved = loadToken();
  if (saved) {
    state.token = saved;
    api("GET", "/v1/readers").then((res) => {
      if (res.status === 200) paired(res.body);
      else { forgetToken(); state.token = ""; showError(errorBody(res), "error"); }
    }, () => showError({ code: "network", message_fr: T.fr.networkError, message_en: T.en.networkError }, "network-error"));
  }
}

init();
