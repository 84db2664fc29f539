/* Home page: every constituency on a Leaflet map; click, geolocate, search an address or a constituency. */
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

  // Overseas: the selector zooms on a department's shapes (the national view shows mainland France).
  const METROPOLE = [[41.3, -5.2], [51.1, 9.6]];
  document.getElementById("map-area").addEventListener("change", (e) => {
    const dept = e.target.value;
    if (dept === "metropole") { map.fitBounds(METROPOLE); return; }
    let bounds = null;
    Object.values(layers).forEach((layer) => {
      if (layer.feature.properties.department_code !== dept) return;
      bounds = bounds ? bounds.extend(layer.getBounds()) : L.latLngBounds(layer.getBounds().getSouthWest(), layer.getBounds().getNorthEast());
    });
    if (bounds) map.fitBounds(bounds, { padding: [10, 10] });
  });

  // An address: its point on the map and its constituency (the server resolved it, split communes included).
  PBAddressSearch(document.getElementById("home-address"), (address) => {
    map.setView([address.lat, address.lon], 13);
    lookup(address.lat, address.lon);
  });

  // Search: the server reads the query (constituencies/rules/search.py) and answers a few results;
  // without JavaScript the form asks the page itself (?q=).
  const form = document.getElementById("search-form");
  const search = document.getElementById("search");
  const list = document.getElementById("constituency-list");
  const results = document.getElementById("search-results");
  const count = document.getElementById("search-count");
  const searchDetail = (code) => form.dataset.detailUrl.replace("CODE", encodeURIComponent(code));
  let seq = 0;
  let timer = null;
  function render(data) {
    results.textContent = "";
    data.results.forEach((item) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = searchDetail(item.code);
      a.textContent = item.name;
      li.append(a);
      if (item.commune) {
        const why = document.createElement("span");
        why.className = "small text-body-secondary d-block";
        why.textContent = count.dataset.msgCommune + " " + item.commune + (item.partial ? " — " + count.dataset.msgPartial : "");
        li.append(why);
      }
      results.append(li);
    });
    count.textContent = PBCount(count, "msgCount", data.count);
    results.hidden = false;
    list.hidden = true;
    Object.entries(layers).forEach(([code, layer]) => layer.setStyle(styleOf(code)));
    data.results.forEach((item) => { if (layers[item.code]) layers[item.code].setStyle(PBMap.highlight); });
    form.dataset.ready = "yes";
  }
  function applySearch() {
    const q = search.value.trim();
    const mine = ++seq;
    if (!q) {
      results.hidden = true; list.hidden = false; count.textContent = count.dataset.msgAll;
      form.dataset.ready = "yes";
      return;
    }
    form.dataset.ready = "no";
    fetch(form.dataset.searchUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((data) => { if (mine === seq) render(data); })
      .catch(() => {});  // the form still submits to the page itself
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); clearTimeout(timer); applySearch(); });
  search.addEventListener("input", () => {
    form.dataset.ready = "no";  // until the answer to what is typed now is shown
    clearTimeout(timer);
    timer = setTimeout(applySearch, 200);
  });
})();
