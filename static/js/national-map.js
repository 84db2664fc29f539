/* Home page: every constituency on a Leaflet map, click or geolocate to find one, list search. */
"use strict";
(function () {
  const el = document.getElementById("map");
  const result = document.getElementById("lookup-result");
  const detailUrl = (code) => el.dataset.detailUrl.replace("CODE", encodeURIComponent(code));
  const map = PBMap.create(el);
  map.setView([46.6, 2.4], 5.5);
  const layers = {};
  let marker = null;

  function showResult(data) {
    result.textContent = "";
    if (!data) { result.textContent = result.dataset.msgNone; return; }
    result.append(result.dataset.msgFound + " ");
    const a = document.createElement("a");
    a.href = detailUrl(data.code);
    a.textContent = data.name;
    result.append(a);
    Object.values(layers).forEach((layer) => layer.setStyle(PBMap.style));
    if (layers[data.code]) layers[data.code].setStyle(PBMap.highlight);
  }

  function lookup(lat, lon) {
    if (marker) marker.remove();
    marker = L.circleMarker([lat, lon], { radius: 6, color: "#b3001b" }).addTo(map);
    const url = el.dataset.lookupUrl + "?lat=" + lat.toFixed(6) + "&lon=" + lon.toFixed(6);
    fetch(url, { headers: { Accept: "application/json" } })
      .then((r) => (r.status === 404 ? null : r.ok ? r.json() : Promise.reject(r.status)))
      .then(showResult)
      .catch(() => { result.textContent = result.dataset.msgError; });
  }

  if (el.dataset.boundaries === "yes") {
    fetch(el.dataset.geojsonUrl).then((r) => r.json()).then((geojson) => {
      const layer = L.geoJSON(geojson, {
        style: () => PBMap.style,
        onEachFeature: (feature, lyr) => {
          layers[feature.properties.code] = lyr;
          lyr.bindTooltip(feature.properties.name, { sticky: true });
        },
      }).addTo(map);
      // Mainland France first; overseas shapes stay reachable by panning or the list.
      map.fitBounds([[41.3, -5.2], [51.1, 9.6]]);
      el.dispatchEvent(new CustomEvent("pb:map-ready", { detail: { layer: layer } }));
      el.dataset.ready = "yes";
    });
  }
  map.on("click", (e) => lookup(e.latlng.lat, e.latlng.lng));

  document.getElementById("locate-me").addEventListener("click", () => {
    if (!navigator.geolocation) { result.textContent = result.dataset.msgGeoDenied; return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => { map.setView([pos.coords.latitude, pos.coords.longitude], 10); lookup(pos.coords.latitude, pos.coords.longitude); },
      () => { result.textContent = result.dataset.msgGeoDenied; }
    );
  });

  // Search filters the server-rendered list, so the list works without the map.
  const search = document.getElementById("search");
  const items = Array.from(document.querySelectorAll("#constituency-list li"));
  const count = document.getElementById("search-count");
  const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  items.forEach((li) => { li.dataset.folded = fold(li.dataset.search); });
  document.getElementById("search-form").addEventListener("submit", (e) => e.preventDefault());
  search.addEventListener("input", () => {
    const q = fold(search.value.trim());
    let shown = 0;
    items.forEach((li) => {
      const visible = !q || li.dataset.folded.includes(q);
      li.hidden = !visible;
      if (visible) shown += 1;
    });
    count.textContent = q ? shown + " / " + items.length : "";
  });
})();
