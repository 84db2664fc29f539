/* Residence form: a click on the map (or the browser's position) writes lat/lon into the form
   and previews the constituency through the public lookup API. The server derives it again. */
"use strict";
(function () {
  const el = document.getElementById("residence-map");
  if (!el) return;
  const lat = document.getElementById("lat");
  const lon = document.getElementById("lon");
  const status = document.getElementById("point-status");
  const map = PBMap.create(el);
  map.setView([46.6, 2.4], 5);
  let marker = null;

  if (el.dataset.boundaries === "yes") {
    fetch(el.dataset.geojsonUrl).then((r) => r.json()).then((geojson) => {
      L.geoJSON(geojson, { style: () => PBMap.style, interactive: false }).addTo(map);
      el.dataset.ready = "yes";
    }).catch(() => { el.dataset.ready = "error"; });
  }

  function preview(latitude, longitude) {
    const url = el.dataset.lookupUrl + "?lat=" + encodeURIComponent(latitude) + "&lon=" + encodeURIComponent(longitude);
    fetch(url).then((r) => {
      if (r.status === 404) { status.textContent = status.dataset.msgNone; return null; }
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then((found) => {
      if (found) status.textContent = status.dataset.msgFound + " " + found.name;
    }).catch(() => { status.textContent = status.dataset.msgError; });
  }

  function place(latitude, longitude, zoom) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    if (marker) marker.setLatLng([latitude, longitude]);
    else marker = L.marker([latitude, longitude], { keyboard: false }).addTo(map);
    if (zoom) map.setView([latitude, longitude], zoom);
    preview(lat.value, lon.value);
  }

  function fromInputs(zoom) {
    const latitude = parseFloat((lat.value || "").replace(",", "."));
    const longitude = parseFloat((lon.value || "").replace(",", "."));
    if (isFinite(latitude) && isFinite(longitude) && Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180) {
      place(latitude, longitude, zoom);
    }
  }

  map.on("click", (e) => place(e.latlng.lat, e.latlng.lng));
  lat.addEventListener("change", () => fromInputs(12));
  lon.addEventListener("change", () => fromInputs(12));
  document.getElementById("locate-me").addEventListener("click", () => {
    if (!navigator.geolocation) { status.textContent = status.dataset.msgGeoDenied; return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => place(pos.coords.latitude, pos.coords.longitude, 13),
      () => { status.textContent = status.dataset.msgGeoDenied; },
      { enableHighAccuracy: false, timeout: 10000 }
    );
  });
  // The alternative to the map: search the list, choose a constituency, the point goes inside it.
  const search = document.getElementById("constituency-search");
  const choices = document.getElementById("residence-choices");
  const count = document.getElementById("residence-search-count");
  const items = Array.from(choices.querySelectorAll("li"));
  items.forEach((li) => { li.dataset.folded = PBMap.fold(li.dataset.search); });
  search.addEventListener("input", () => {
    const q = PBMap.fold(search.value.trim());
    let shown = 0;
    items.forEach((li) => {
      li.hidden = !q || !li.dataset.folded.includes(q);
      if (!li.hidden) shown += 1;
    });
    choices.hidden = !q || shown === 0;
    count.textContent = q ? count.dataset.msgCount.replace("{n}", String(shown)) : "";
  });
  search.closest("form").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target === search) e.preventDefault();  // Enter searches, it does not save
  });
  choices.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-lat]");
    if (button) place(Number(button.dataset.lat), Number(button.dataset.lon), 13);
  });

  fromInputs(12);  // the user's own point, or what they typed before an error
})();
