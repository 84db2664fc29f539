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
  // Base style of a constituency: by its call's phase or participation once /api/v1/calls is loaded.
  let styleOf = () => PBMap.style;

  function showResult(data) {
    result.textContent = "";
    if (!data) { result.textContent = result.dataset.msgNone; return; }
    result.append(result.dataset.msgFound + " ");
    const a = document.createElement("a");
    a.href = detailUrl(data.code);
    a.textContent = data.name;
    result.append(a);
    Object.entries(layers).forEach(([code, layer]) => layer.setStyle(styleOf(code)));
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
        style: (feature) => styleOf(feature.properties.code),
        onEachFeature: (feature, lyr) => {
          layers[feature.properties.code] = lyr;
          lyr.bindTooltip(PBMap.label(feature.properties.name), { sticky: true });
        },
      }).addTo(map);
      // Mainland France first; overseas shapes stay reachable by panning or the list.
      map.fitBounds([[41.3, -5.2], [51.1, 9.6]]);
      colourByCalls();
      el.dispatchEvent(new CustomEvent("pb:map-ready", { detail: { layer: layer } }));
      el.dataset.ready = "yes";
    });
  }
  map.on("click", (e) => lookup(e.latlng.lat, e.latlng.lng));

  // Colours by call: phase (categorical) or participation (sequential), with the legend in the page.
  function colourByCalls() {
    const legend = document.getElementById("call-map-legend");
    if (!legend) return;
    // Colours come from the legend's swatches (static/css/calls.css): one source for map and legend.
    const colourOf = (key) => getComputedStyle(legend.querySelector(".swatch-" + key)).backgroundColor;
    const phaseColours = {};
    ["upcoming", "proposals", "review", "voting", "results"].forEach((p) => { phaseColours[p] = colourOf(p); });
    const participationColours = [0, 1, 2, 3, 4, 5].map((i) => colourOf("p" + i));
    const bucket = (p) => (p <= 0 ? 0 : p < 0.01 ? 1 : p < 0.05 ? 2 : p < 0.1 ? 3 : p < 0.2 ? 4 : 5);
    const none = { color: "#6c757d", weight: 1, fillColor: colourOf("none"), fillOpacity: 0.2 };
    const styled = (fill) => ({ color: "#1f3a93", weight: 1, fillColor: fill, fillOpacity: 0.6 });
    let calls = {};
    let mode = "phase";
    styleOf = (code) => {
      const call = calls[code];
      if (!call) return none;
      return styled(mode === "phase" ? phaseColours[call.phase] : participationColours[bucket(call.participation)]);
    };
    const repaint = () => Object.entries(layers).forEach(([code, layer]) => {
      layer.setStyle(styleOf(code));
      const call = calls[code];
      const name = layer.feature.properties.name;
      const info = !call ? legend.dataset.msgNoCall
        : legend.dataset["phase" + call.phase.charAt(0).toUpperCase() + call.phase.slice(1)]
          + " · " + legend.dataset.msgParticipation + " " + (call.participation * 100).toFixed(1) + " %";
      layer.setTooltipContent(PBMap.label(name + " — " + info));
    });
    legend.querySelectorAll("input[name=map-colour]").forEach((input) => input.addEventListener("change", () => {
      mode = input.value;
      document.getElementById("legend-phase").hidden = mode !== "phase";
      document.getElementById("legend-participation").hidden = mode !== "participation";
      repaint();
    }));
    fetch(legend.dataset.callsUrl, { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((data) => {
        calls = {};
        data.calls.forEach((call) => { calls[call.code] = call; });
        repaint();
        el.dataset.callsReady = "yes";
      })
      .catch(() => { el.dataset.callsReady = "error"; });
  }

  document.getElementById("locate-me").addEventListener("click", () => {
    if (!navigator.geolocation) { result.textContent = result.dataset.msgGeoDenied; return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => { map.setView([pos.coords.latitude, pos.coords.longitude], 10); lookup(pos.coords.latitude, pos.coords.longitude); },
      () => { result.textContent = result.dataset.msgGeoDenied; }
    );
  });

  // Search filters the server-rendered list, so the list works without the map. Communes
  // (most of the text) come from the API after the page, to keep the page itself light.
  const search = document.getElementById("search");
  const list = document.getElementById("constituency-list");
  const items = Array.from(list.querySelectorAll("li"));
  const count = document.getElementById("search-count");
  const fold = PBMap.fold;
  items.forEach((li) => { li.dataset.folded = fold(li.dataset.search); });
  function applySearch() {
    const q = fold(search.value.trim());
    let shown = 0;
    items.forEach((li) => {
      const visible = !q || li.dataset.folded.includes(q);
      li.hidden = !visible;
      if (visible) shown += 1;
    });
    count.textContent = q ? shown + " / " + items.length : "";
  }
  fetch(list.dataset.communesUrl, { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
    .then((data) => {
      const communes = {};
      data.constituencies.forEach((c) => { communes[c.code] = c.communes; });
      items.forEach((li) => { li.dataset.folded = fold(li.dataset.search + " " + (communes[li.dataset.code] || "")); });
      list.dataset.communesLoaded = "yes";
      applySearch();
    })
    .catch(() => {});  // names, codes and departments still match
  document.getElementById("search-form").addEventListener("submit", (e) => e.preventDefault());
  search.addEventListener("input", applySearch);
})();
