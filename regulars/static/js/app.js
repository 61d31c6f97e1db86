// A pie of nothing: ECharts draws equal slices for all-zero values (0/0 shown as 50/50), so an
// empty pie says so in words instead.
function emptyPie(values) {
  return !values || !values.length || values.every((item) => !Number(item && typeof item === "object" ? item.value : item));
}
function nothingYet() {
  return { title: { text: document.body.dataset.msgEmpty || "—", left: "center", top: "middle",
    textStyle: { color: "#6b7280", fontSize: 14, fontWeight: "normal" } }, series: [] };
}

// Leaflet (150 KB) is fetched only when a page shows a map: its stylesheet first (the default
// marker finds its images through it), then the script; `run` is called once both are in.
const leafletWaiting = [];
function withLeaflet(run) {
  if (window.L) { run(); return; }
  leafletWaiting.push(run);
  if (leafletWaiting.length > 1) return;
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = document.body.dataset.leafletCss;
  css.onload = () => {
    const script = document.createElement("script");
    script.src = document.body.dataset.leafletJs;
    script.onload = () => leafletWaiting.splice(0).forEach((waiting) => waiting());
    document.head.appendChild(script);
  };
  document.head.appendChild(css);
}

// Chinese providers (AMap, Tencent) draw their tiles in GCJ-02; positions everywhere else are
// WGS-84. Maps convert at their edge only: `toMap` for what is drawn, `fromMap` for what is
// picked. The same published polynomial as regulars/core/maps.py (tests compare the two).
const mapDatum = (function () {
  const A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
  const outside = (lat, lng) => !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  function offset(lat, lng) {
    const x = lng - 105.0, y = lat - 35.0;
    const waves = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    let dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + waves;
    dLat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dLat += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    let dLng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + waves;
    dLng += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dLng += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    const radLat = lat / 180.0 * PI;
    const magic = 1 - EE * Math.sin(radLat) * Math.sin(radLat);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * Math.sqrt(magic)) * PI);
    dLng = (dLng * 180.0) / (A / Math.sqrt(magic) * Math.cos(radLat) * PI);
    return [dLat, dLng];
  }
  function toGcj(lat, lng) {
    if (outside(lat, lng)) return [lat, lng];
    const d = offset(lat, lng);
    return [lat + d[0], lng + d[1]];
  }
  function fromGcj(lat, lng) {
    if (outside(lat, lng)) return [lat, lng];
    let guess = [lat, lng];
    for (let step = 0; step < 30; step++) {
      const shifted = toGcj(guess[0], guess[1]);
      const miss = [lat - shifted[0], lng - shifted[1]];
      guess = [guess[0] + miss[0], guess[1] + miss[1]];
      if (Math.abs(miss[0]) < 1e-10 && Math.abs(miss[1]) < 1e-10) break;
    }
    return guess;
  }
  const gcj = () => document.body.dataset.mapDatum === "gcj02";
  return {
    toGcj: toGcj,
    fromGcj: fromGcj,
    toMap: (lat, lng) => (gcj() ? toGcj(lat, lng) : [lat, lng]),
    fromMap: (lat, lng) => (gcj() ? fromGcj(lat, lng) : [lat, lng]),
  };
})();
window.regularsMapDatum = mapDatum;
const toMap = (point) => mapDatum.toMap(point[0], point[1]);

// A Leaflet map whose zoom buttons speak the page's language (Leaflet's own titles are English).
function makeMap(el, options) {
  const map = L.map(el, Object.assign({}, options || {}, { zoomControl: false }));
  L.control.zoom({
    zoomInTitle: document.body.dataset.msgZoomIn || "Zoom in",
    zoomOutTitle: document.body.dataset.msgZoomOut || "Zoom out",
  }).addTo(map);
  return map;
}

// Small progressive enhancements. No inline scripts anywhere: everything reads data-* attributes.
(function () {
  "use strict";
  const body = document.body;
  const msg = (name) => body.dataset["msg" + name] || "";

  function tileLayer(map) {
    const url = body.dataset.tileUrl;
    const options = { maxZoom: 18, attribution: body.dataset.tileAttribution || "" };
    if (body.dataset.tileSubdomains) options.subdomains = body.dataset.tileSubdomains;
    if (url) L.tileLayer(url, options).addTo(map);
    if (url && body.dataset.tileLabels) {
      L.tileLayer(body.dataset.tileLabels, Object.assign({}, options, { attribution: "" })).addTo(map);
    }
  }

  function locate(onPosition, statusEl) {
    if (!navigator.geolocation) {
      if (statusEl) statusEl.textContent = msg("Nogeo");
      return;
    }
    if (statusEl) statusEl.textContent = msg("Locating");
    navigator.geolocation.getCurrentPosition(
      (pos) => { if (statusEl) statusEl.textContent = ""; onPosition(pos.coords.latitude, pos.coords.longitude); },
      () => { if (statusEl) statusEl.textContent = msg("Nogeo"); },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  }

  // Anonymous searches are answered for the ~100 m cell around the position (a shared, cached
  // page); the phone knows the exact position, so it shows each shop's exact distance itself.
  function rememberPosition(lat, lng) {
    try { sessionStorage.setItem("regulars.position", JSON.stringify({ lat, lng })); } catch (e) { /* private mode */ }
  }

  function metresBetween(a, b) {
    const rad = Math.PI / 180, dLat = (b.lat - a.lat) * rad, dLng = (b.lng - a.lng) * rad;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
  }

  function showExactDistances(form) {
    let here;
    try { here = JSON.parse(sessionStorage.getItem("regulars.position") || "null"); } catch (e) { here = null; }
    const searched = { lat: parseFloat(form.elements.lat.value), lng: parseFloat(form.elements.lng.value) };
    if (!here || isNaN(searched.lat) || isNaN(searched.lng) || metresBetween(here, searched) > 150) return;
    document.querySelectorAll(".result[data-lat]").forEach((el) => {
      const m = Math.round(metresBetween(here, { lat: parseFloat(el.dataset.lat), lng: parseFloat(el.dataset.lng) }));
      const out = el.querySelector(".distance");
      if (!out) return;
      out.textContent = m >= 1000
        ? msg("Km").replace("1.0", (m / 1000).toFixed(1))  // "1.0 km" / "1.0 公里", as the server says it
        : msg("Metres").replace("7", String(m));
    });
  }

  // Discovery: "use my location" fills lat/lng, clears the district and searches.
  const form = document.getElementById("nearby-form");
  if (form) {
    showExactDistances(form);
    const button = form.querySelector("[data-locate]");
    const status = form.querySelector("[data-locate-status]");
    button && button.addEventListener("click", () => locate((lat, lng) => {
      rememberPosition(lat, lng);
      form.elements.lat.value = lat.toFixed(6);
      form.elements.lng.value = lng.toFixed(6);
      form.elements.place.value = "";
      form.elements.offset && (form.elements.offset.value = "");
      form.submit();
    }, status));
    // A visitor who already let this site know where they are (permission granted earlier) sees
    // the shops around them at once, not around the default district.
    const searchedSomewhere = Boolean(window.location.search);  // the default district is shown
    let askedBefore = true;
    try { askedBefore = sessionStorage.getItem("regulars.autolocated") === "1"; sessionStorage.setItem("regulars.autolocated", "1"); } catch (e) { /* private mode */ }
    // Anonymous visitors only: a signed-in person just landed here from signing in, on their way
    // elsewhere, and their saved places already steer what they are shown.
    const anonymous = "anonymous" in body.dataset;
    if (anonymous && !searchedSomewhere && !askedBefore && button && navigator.permissions && navigator.geolocation) {
      navigator.permissions.query({ name: "geolocation" }).then((state) => {
        if (state.state === "granted") button.click();
      }).catch(() => { /* the browser cannot say: wait for the button */ });
    }
    form.elements.place && form.elements.place.addEventListener("change", () => {
      if (!form.elements.place.value) { button && button.click(); return; }  // "My location"
      form.elements.lat.value = "";
      form.elements.lng.value = "";
      form.submit();
    });
    ["category", "sort", "radius_m", "open_now"].forEach((name) => {
      const el = form.elements[name];
      el && el.addEventListener("change", () => { if (form.elements.offset) form.elements.offset.value = ""; form.submit(); });
    });
  }

  // Result tabs: list / map.
  let resultsMap = null;
  document.querySelectorAll("[data-tab]").forEach((tab) => {
    tab.addEventListener("click", () => {
      document.querySelectorAll("[data-tab]").forEach((t) => t.classList.toggle("on", t === tab));
      document.querySelectorAll("[data-panel]").forEach((p) => { p.hidden = p.dataset.panel !== tab.dataset.tab; });
      if (tab.dataset.tab === "map") showResultsMap();
    });
  });

  function showResultsMap() {
    const el = document.querySelector("[data-results-map]");
    const data = document.getElementById("map-points");
    if (!el || !data) return;
    if (resultsMap) { resultsMap.invalidateSize(); return; }
    withLeaflet(() => drawResultsMap(el, data));
  }

  function drawResultsMap(el, data) {
    if (resultsMap) return;
    const points = JSON.parse(data.textContent);
    const origin = toMap(points.origin);
    resultsMap = makeMap(el).setView(origin, 14);
    tileLayer(resultsMap);
    L.circleMarker(origin, { radius: 7, color: "#1d2327", fillColor: "#3b82f6", fillOpacity: 1 }).addTo(resultsMap);
    const bounds = [origin];
    points.stores.forEach((s) => {
      const at = toMap([s.lat, s.lng]);
      const marker = L.marker(at).addTo(resultsMap);
      const link = document.createElement("a");
      link.href = s.url;
      link.textContent = s.name + " · " + s.distance;
      marker.bindPopup(link);
      bounds.push(at);
    });
    if (bounds.length > 1) resultsMap.fitBounds(bounds, { padding: [30, 30] });
  }

  // Store page: a small map with the store's pin.
  document.querySelectorAll("[data-point-map]").forEach((el) => withLeaflet(() => {
    const at = toMap([parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)]);
    const map = makeMap(el, { scrollWheelZoom: false }).setView(at, 16);
    tileLayer(map);
    L.marker(at, { title: el.dataset.label }).addTo(map);
  }));

  // Paying inside WeChat's browser (JSAPI): WeChat's bridge takes the signed request the page
  // carries; on success the buyer goes to the order (its notification marks it paid).
  const wechatPay = document.querySelector("[data-wechat-jsapi]");
  wechatPay && wechatPay.addEventListener("click", () => {
    const status = document.querySelector("[data-wechat-status]");
    const request = JSON.parse(wechatPay.dataset.wechatJsapi);
    const invoke = () => window.WeixinJSBridge.invoke("getBrandWCPayRequest", request, (answer) => {
      if (answer && answer.err_msg === "get_brand_wcpay_request:ok") {
        window.location.href = wechatPay.dataset.done || "/";
      } else if (status) {
        status.textContent = wechatPay.dataset.msgFailed;
      }
    });
    if (window.WeixinJSBridge) invoke();
    else document.addEventListener("WeixinJSBridgeReady", invoke, { once: true });
  });

  // Opening hours: copy Monday's ranges to the other six days.
  const copyMonday = document.querySelector("[data-copy-monday]");
  copyMonday && copyMonday.addEventListener("click", () => {
    const hoursForm = copyMonday.closest("form");
    for (let day = 1; day < 7; day++) {
      ["0_opens", "0_closes", "1_opens", "1_closes"].forEach((part) => {
        hoursForm.elements["d" + day + "_" + part].value = hoursForm.elements["d0_" + part].value;
      });
    }
  });

  // Cashier: scan an order's QR code with the phone camera (BarcodeDetector), else type it.
  const scanner = document.querySelector("[data-scanner]");
  if (scanner) {
    const video = scanner.querySelector("[data-scan-video]");
    const status = scanner.querySelector("[data-scan-status]");
    const scanForm = document.getElementById(scanner.dataset.scanForm || "cashier-form");
    const codeInput = scanForm.querySelector("input[data-scan-target], input[name=code]");
    scanner.querySelector("[data-scan-start]").addEventListener("click", async () => {
      if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
        status.textContent = scanner.dataset.msgUnsupported;
        codeInput && codeInput.focus();
        return;
      }
      try {
        const detector = new BarcodeDetector({ formats: ["qr_code"] });
        const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        const look = async () => {
          const found = await detector.detect(video).catch(() => []);
          if (found.length) {
            stream.getTracks().forEach((track) => track.stop());
            video.hidden = true;
            codeInput.value = found[0].rawValue;
            // An order's code is all the cashier needs; a coupon still needs the bill typed in.
            const next = scanForm.querySelector("[data-after-scan]");
            if (next) next.focus();
            else scanForm.submit();
            return;
          }
          requestAnimationFrame(look);
        };
        look();
      } catch (error) {
        status.textContent = scanner.dataset.msgUnsupported;
      }
    });
  }

  // Card designer: the preview is the server's drawing of the form as it stands (the same
  // drawing customers' phones get), fetched a moment after the merchant stops typing.
  const designer = document.querySelector("[data-card-designer]");
  const preview = document.querySelector("[data-card-preview]");
  if (designer && preview) {
    let timer = null;
    let shown = null;
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const answer = await fetch(preview.dataset.previewUrl, {
          method: "POST",
          body: new FormData(designer),
          credentials: "same-origin",
        });
        if (!answer.ok) return;
        if (shown) URL.revokeObjectURL(shown);
        shown = URL.createObjectURL(await answer.blob());
        preview.src = shown;
        preview.dataset.drawn = String(Number(preview.dataset.drawn || 0) + 1);
      }, 250);
    };
    designer.addEventListener("input", refresh);
    designer.addEventListener("change", refresh);
  }

  // Till: one form, a tab per move; only the fields that move needs are shown.
  const till = document.querySelector("[data-till]");
  if (till) {
    const choose = (action) => {
      till.elements.action.value = action;
      till.querySelectorAll("[data-for]").forEach((field) => {
        field.hidden = !field.dataset.for.split(" ").includes(action);
      });
      document.querySelectorAll("[data-till-tab]").forEach((tab) => tab.classList.toggle("on", tab.dataset.tillTab === action));
    };
    document.querySelectorAll("[data-till-tab]").forEach((tab) => tab.addEventListener("click", () => choose(tab.dataset.tillTab)));
    choose(till.elements.action.value || "purchase");
  }

  // A receipt page: print it on the roll it was laid out for.
  document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));

  // The counter's bill: more lines on demand, a typed line's fields, the list price and the
  // change as the cashier types (the server prices the bill; this is only a guide).
  const billForm = document.querySelector("[data-bill]");
  if (billForm) {
    const lines = billForm.querySelector("[data-bill-lines]");
    const store = billForm.querySelector("[data-bill-store]");
    const money = (value) => Math.round((Number(value) || 0) * 100);
    const yuan = (cents) => (cents / 100).toFixed(2);
    const refresh = () => {
      let cents = 0;
      lines.querySelectorAll("[data-bill-line]").forEach((row) => {
        const select = row.querySelector("[data-bill-item]");
        const manual = select.value === "manual";
        row.querySelector("[data-bill-manual]").hidden = !manual;
        const option = select.selectedOptions[0];
        const price = manual ? row.querySelector("[data-bill-manual-price]").value : option && option.dataset.price;
        cents += money(price) * (Number(row.querySelector("[data-bill-quantity]").value) || 0);
      });
      billForm.querySelector("[data-bill-subtotal]").textContent = yuan(cents);
      const cash = money(billForm.querySelector("[data-bill-cash]").value);
      const given = money(billForm.querySelector("[data-bill-given]").value);
      billForm.querySelector("[data-bill-change]").textContent = yuan(Math.max(0, given - cash));
    };
    const showStoreItems = () => {
      if (!store) return;
      lines.querySelectorAll("[data-bill-item] option[data-store]").forEach((option) => {
        option.hidden = option.dataset.store !== store.value;
      });
    };
    billForm.querySelector("[data-bill-add]").addEventListener("click", () => {
      const row = lines.querySelector("[data-bill-line]").cloneNode(true);
      row.querySelectorAll("input").forEach((input) => { input.value = input.name === "quantity" ? "1" : ""; });
      row.querySelectorAll("select").forEach((select) => { select.selectedIndex = 0; });
      lines.appendChild(row);
      refresh();
    });
    billForm.addEventListener("input", refresh);
    billForm.addEventListener("change", refresh);
    if (store) store.addEventListener("change", showStoreItems);
    showStoreItems();
    refresh();
  }

  // Store form: drag the pin, click the map, or use the device's position.
  const pinEl = document.querySelector("[data-pin-map]");
  if (pinEl) withLeaflet(() => {
    const storeForm = pinEl.closest("form");
    const readout = storeForm.querySelector("[data-pin-readout]");
    const lat0 = parseFloat(pinEl.dataset.lat), lng0 = parseFloat(pinEl.dataset.lng);
    const has = !isNaN(lat0) && !isNaN(lng0);
    const start = toMap(has ? [lat0, lng0] : [31.2317, 121.4846]);
    const map = makeMap(pinEl).setView(start, has ? 17 : 12);
    tileLayer(map);
    const marker = L.marker(start, { draggable: true }).addTo(map);
    // `place` takes WGS-84 (the form's datum); a point picked on the map is converted first.
    const place = (lat, lng, pan) => {
      const drawn = toMap([lat, lng]);
      marker.setLatLng(drawn);
      storeForm.elements.lat.value = lat.toFixed(6);
      storeForm.elements.lng.value = lng.toFixed(6);
      if (readout) readout.textContent = lat.toFixed(6) + ", " + lng.toFixed(6);
      if (pan) map.setView(drawn, 17);
    };
    const picked = (p) => { const w = mapDatum.fromMap(p.lat, p.lng); place(w[0], w[1], false); };
    if (has) place(lat0, lng0, false);
    marker.on("dragend", () => picked(marker.getLatLng()));
    map.on("click", (e) => picked(e.latlng));
    // Find the typed address (district + address) through /api/v1/discovery/geocode; answers are WGS-84.
    const geocodeButton = storeForm.querySelector("[data-pin-geocode]");
    geocodeButton && geocodeButton.addEventListener("click", async () => {
      const typed = ["district", "address"].map((name) => (storeForm.elements[name] || {}).value || "").join(" ").trim();
      if (!typed) return;
      try {
        const answer = await fetch(geocodeButton.dataset.geocodeUrl + "?" + new URLSearchParams({ q: typed }));
        const places = answer.ok ? await answer.json() : [];
        if (places.length) { place(places[0].lat, places[0].lng, true); return; }
      } catch (e) { /* offline: say so below */ }
      if (readout) readout.textContent = geocodeButton.dataset.msgNone;
    });
    const locateButton = storeForm.querySelector("[data-pin-locate]");
    locateButton && locateButton.addEventListener("click", () => locate((lat, lng) => place(lat, lng, true), readout));
    window.regularsPin = { place: place, marker: marker };
  });

  // Campaign effect: charts drawn with ECharts from the page's JSON (no inline script).
  const chartData = document.getElementById("campaign-chart");
  if (chartData) {
    window.addEventListener("load", () => {
      if (!window.echarts) return;
      const data = JSON.parse(chartData.textContent);
      const palette = ["#e8572a", "#f59f4c", "#4c8bf5", "#2a9d8f"];
      const draw = (name, option) => {
        const node = document.querySelector('[data-chart="' + name + '"]');
        if (!node) return;
        const chart = window.echarts.init(node, null, { renderer: "svg" });
        chart.setOption(Object.assign({ color: palette, animation: false }, option));
        window.addEventListener("resize", () => chart.resize());
      };
      draw("funnel", {
        tooltip: { trigger: "item" },
        series: [{ type: "funnel", sort: "none", left: "10%", width: "80%", label: { position: "inside", formatter: "{b}: {c}" }, data: data.funnel }],
      });
      draw("daily", {
        tooltip: { trigger: "axis" },
        legend: { data: [data.labels.claimed, data.labels.redeemed] },
        xAxis: { type: "category", data: data.daily.map((d) => d.day) },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: data.labels.claimed, type: "bar", data: data.daily.map((d) => d.claimed) },
          { name: data.labels.redeemed, type: "line", data: data.daily.map((d) => d.redeemed) },
        ],
      });
      if (emptyPie(data.customers)) { draw("customers", nothingYet()); return; }
      draw("customers", {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["40%", "70%"], label: { formatter: "{b}: {c}" }, data: data.customers }],
      });
    });
  }

  // Message settings: Web Push on this phone (service worker + VAPID), and "use where I am now".
  const push = document.querySelector("[data-push]");
  if (push) {
    const status = push.querySelector("[data-push-status]");
    const csrf = push.querySelector("input[name=csrfmiddlewaretoken]").value;
    const send = (body) => fetch("/me/messages/push/", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    const toKey = (base64) => {
      const padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
      return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    };
    const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
    if (!supported) status.textContent = push.dataset.msgUnsupported;
    push.querySelector("[data-push-on]").addEventListener("click", async () => {
      if (!supported) return;
      const permission = await Notification.requestPermission();
      if (permission !== "granted") { status.textContent = push.dataset.msgDenied; return; }
      const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
      await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: toKey(push.dataset.vapidKey),
      });
      const response = await send(subscription.toJSON());
      if (response.ok) status.textContent = push.dataset.msgOn;
    });
    push.querySelector("[data-push-off]").addEventListener("click", async () => {
      if (!supported) return;
      const registration = await navigator.serviceWorker.getRegistration("/");
      const subscription = registration && (await registration.pushManager.getSubscription());
      if (subscription) {
        await send({ unsubscribe: subscription.endpoint });
        await subscription.unsubscribe();
      }
      status.textContent = push.dataset.msgOff;
    });
  }
  const placeForm = document.querySelector("[data-place-form]");
  if (placeForm) {
    placeForm.querySelector("[data-place-locate]").addEventListener("click", () => {
      navigator.geolocation && navigator.geolocation.getCurrentPosition((position) => {
        placeForm.elements.lat.value = position.coords.latitude.toFixed(6);
        placeForm.elements.lng.value = position.coords.longitude.toFixed(6);
      });
    });
  }

  // Campaign and flash-deal forms: show only the fields the chosen type, audience and way of
  // getting the coupon use.
  document.querySelectorAll(".campaign-form, [data-flash-form]").forEach((form) => {
    const shows = {
      amount: (v) => ["amount_off", "threshold", "points_exchange"].includes(v.kind),
      threshold: (v) => v.kind !== "free_item",
      percent: (v) => v.kind === "percent_off",
      cap: (v) => v.kind === "percent_off",
      free_item: (v) => v.kind === "free_item",
      points_price: (v) => v.kind === "points_exchange",
      tiers: (v) => v.audience === "tiers",
      audience_param: (v) => v.audience === "segment",
      phones: (v) => v.audience === "list" || v.target === "list",
      holdout_percent: (v) => v.claim_mode === "issued",
    };
    const value = (name) => {
      const checked = form.querySelector(`[name=${name}]:checked`);
      const field = checked || form.querySelector(`select[name=${name}]`);
      return field ? field.value : undefined;
    };
    const refresh = () => {
      const chosen = { kind: value("kind"), audience: value("audience"), claim_mode: value("claim_mode"), target: value("target") };
      Object.entries(shows).forEach(([name, visible]) => {
        const wrapper = form.querySelector(`[data-field="${name}"]`);
        if (wrapper && !wrapper.classList.contains("has-error")) wrapper.hidden = !visible(chosen);
      });
    };
    form.addEventListener("change", refresh);
    refresh();
  });

  // Key accounts: the Pareto curve (cumulative share of revenue by share of customers).
  const paretoData = document.getElementById("pareto-chart");
  if (paretoData) {
    window.addEventListener("load", () => {
      const node = document.querySelector('[data-chart="pareto"]');
      if (!window.echarts || !node) return;
      const data = JSON.parse(paretoData.textContent);
      const chart = window.echarts.init(node, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        color: ["#e8572a"],
        tooltip: { trigger: "axis" },
        xAxis: { type: "value", name: data.labels.customers, nameLocation: "middle", nameGap: 28, max: 100 },
        yAxis: { type: "value", name: data.labels.revenue, max: 100 },
        series: [{
          type: "line", smooth: true, areaStyle: { opacity: 0.15 }, data: [[0, 0], ...data.pareto],
          markLine: { silent: true, symbol: "none", data: [{ yAxis: 80 }] },
        }],
      });
      window.addEventListener("resize", () => chart.resize());
    });
  }
})();

// Reports: every section's chart, drawn from the tables' JSON (no inline script).
(function () {
  const source = document.getElementById("report-charts");
  if (!source) return;
  window.addEventListener("load", () => {
    if (!window.echarts) return;
    const charts = JSON.parse(source.textContent);
    const palette = ["#e8572a", "#4c8bf5", "#2a9d8f", "#f59f4c", "#8e6cc9", "#6b7280", "#d94f70"];
    const optionFor = (spec) => {
      const base = { color: palette, animation: false, tooltip: { trigger: "axis" }, grid: { left: 48, right: 16, top: 36, bottom: 48, containLabel: true } };
      const names = spec.series.map((s) => s.name);
      if (spec.kind === "pie") {
        if (emptyPie(spec.series[0].values)) return nothingYet();
        return Object.assign(base, { tooltip: { trigger: "item" }, legend: { type: "scroll", bottom: 0 },
          series: [{ type: "pie", radius: ["35%", "65%"], data: spec.series[0].values, label: { formatter: "{b}: {c}" } }] });
      }
      if (spec.kind === "heatmap") {
        return Object.assign(base, { tooltip: { position: "top" },
          xAxis: { type: "category", data: spec.categories }, yAxis: { type: "category", data: spec.rows, inverse: true },
          visualMap: { min: 0, max: 100, calculable: false, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#fff4ec", "#e8572a"] } },
          series: [{ type: "heatmap", data: spec.series[0].values, label: { show: true } }] });
      }
      const horizontal = spec.kind === "hbar";
      const category = { type: "category", data: spec.categories, axisLabel: { interval: 0, hideOverlap: true } };
      const value = { type: "value", minInterval: 1 };
      return Object.assign(base, {
        legend: { data: names, top: 0 },
        xAxis: horizontal ? value : category,
        yAxis: horizontal ? category : value,
        series: spec.series.map((s) => ({
          name: s.name, data: s.values,
          type: s.type || "bar",
          stack: spec.kind === "stacked" ? "all" : undefined,
          barMaxWidth: 40,
        })),
      });
    };
    document.querySelectorAll("[data-report-chart]").forEach((node) => {
      const spec = charts[node.dataset.reportChart];
      if (!spec) return;
      const chart = window.echarts.init(node, null, { renderer: "svg" });
      chart.setOption(optionFor(spec));
      window.addEventListener("resize", () => chart.resize());
    });
  });
})();

// The console's grouped menu: one group open at a time; a tap elsewhere or Escape closes it.
(function () {
  const groups = [...document.querySelectorAll("[data-nav-group]")];
  if (!groups.length) return;
  groups.forEach((group) => group.addEventListener("toggle", () => {
    if (group.open) groups.forEach((other) => { if (other !== group) other.open = false; });
  }));
  const closeAll = () => groups.forEach((group) => { group.open = false; });
  document.addEventListener("click", (event) => {
    if (!event.target.closest("[data-nav-group]")) closeAll();
  });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeAll(); });
})();
