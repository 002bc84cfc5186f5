// Checks as the operator types, so a mistake shows while the caller is still on the
// line. The server validates everything again; this only saves a round trip.
"use strict";

function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function mark(fieldId, message) {
  const box = document.getElementById("field-" + fieldId);
  if (!box) return;
  box.querySelectorAll("small.live").forEach((el) => el.remove());
  box.classList.toggle("invalid", Boolean(message));
  box.classList.toggle("valid", message === "");
  if (message) {
    const note = document.createElement("small");
    note.className = "error live";
    note.id = "live-" + fieldId;
    note.setAttribute("role", "alert");  // read out by a screen reader as it appears
    note.textContent = message;
    box.appendChild(note);
  }
}

function checkDescription(input) {
  const length = input.value.trim().length;
  if (length === 0) mark("description", null);
  else if (length < 15) mark("description", "Isi laporan minimal 15 karakter (" + length + ").");
  else mark("description", "");
}

async function checkPhone(api, input) {
  const value = input.value.trim();
  if (!value) { mark("phone", null); return; }
  const res = await fetch(api + "phone?number=" + encodeURIComponent(value), { credentials: "same-origin" });
  if (!res.ok) return;
  const body = await res.json();
  if (body.valid) { mark("phone", ""); input.title = body.e164; }
  else mark("phone", "Nomor telepon tidak valid: periksa panjang dan awalannya (contoh: 0812 3456 7890).");
}

async function suggestRegions(api, input) {
  const list = document.getElementById("region-options");
  const words = input.value.split(",").pop().trim();
  if (!list || words.length < 3) return;
  const res = await fetch(api + "regions?q=" + encodeURIComponent(words), { credentials: "same-origin" });
  if (!res.ok) return;
  const regions = await res.json();
  const prefix = input.value.includes(",") ? input.value.slice(0, input.value.lastIndexOf(",") + 1) + " " : "";
  list.replaceChildren(...regions.map((r) => {
    const option = document.createElement("option");
    option.value = prefix + r.name;
    return option;
  }));
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("call-form");
  if (!form) return;
  const api = form.dataset.api;
  const phone = form.querySelector("#phone");
  const description = form.querySelector("#description");
  const location = form.querySelector("#location_text");
  if (phone) {
    // red while typed (after a pause), settled when the operator leaves the field
    phone.addEventListener("input", debounce(() => checkPhone(api, phone), 500));
    phone.addEventListener("blur", () => checkPhone(api, phone));
  }
  if (description) description.addEventListener("input", () => checkDescription(description));
  if (location) location.addEventListener("input", debounce(() => suggestRegions(api, location), 250));
});

// An operator's SMS reply: how many segments it will cost (the server converts it to
// GSM-7, so each character counts one septet; the extended ones two).
document.addEventListener("DOMContentLoaded", () => {
  const out = document.getElementById("reply-segments");
  const text = document.getElementById("reply-text");
  if (!out || !text) return;
  const count = () => {
    const septets = [...text.value].reduce((n, c) => n + ("^{}\\[~]|€".includes(c) ? 2 : 1), 0);
    const parts = septets === 0 ? 0 : septets <= 160 ? 1 : Math.ceil(septets / 153);
    out.textContent = septets ? `${septets} karakter · ${parts} segmen SMS` : "";
  };
  text.addEventListener("input", count);
  count();
});
