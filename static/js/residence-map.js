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
  // The alternative to the map: search a constituency (the server reads the query); choosing one
  // places the point inside it.
  const search = document.getElementById("constituency-search");
  const choices = document.getElementById("residence-choices");
  const count = document.getElementById("residence-search-count");
  let seq = 0;
  let timer = null;
  function showChoices(data) {
    choices.textContent = "";
    const placeable = data.results.filter((item) => item.lat !== null && item.lon !== null);
    placeable.forEach((item) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link p-0 text-start";
      button.dataset.lat = String(item.lat);
      button.dataset.lon = String(item.lon);
      button.textContent = item.name;
      li.append(button);
      if (item.commune) {
        const why = document.createElement("span");
        why.className = "small text-body-secondary d-block";
        why.textContent = item.commune;
        li.append(why);
      }
      choices.append(li);
    });
    choices.hidden = placeable.length === 0;
    count.textContent = PBCount(count, "msgCount", placeable.length);
  }
  function runSearch() {
    const q = search.value.trim();
    const mine = ++seq;
    if (!q) { choices.hidden = true; count.textContent = ""; return; }
    fetch(choices.dataset.searchUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((data) => { if (mine === seq) showChoices(data); })
      .catch(() => { if (mine === seq) count.textContent = status.dataset.msgError; });
  }
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(runSearch, 150); });
  search.closest("form").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target === search) { e.preventDefault(); clearTimeout(timer); runSearch(); }  // Enter searches, it does not save
  });
  choices.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-lat]");
    if (button) place(Number(button.dataset.lat), Number(button.dataset.lon), 13);
  });
  // An address: the point goes there, and the lookup says its constituency.
  PBAddressSearch(document.getElementById("residence-address"), (address) => place(address.lat, address.lon, 17));

  fromInputs(12);  // the user's own point, or what they typed before an error
})();
