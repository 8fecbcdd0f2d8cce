// The portal's map: draws the public projects of mista.json over the list by place, which stays the page's
// content without JavaScript. Loaded only when the portal has a tile server (PORTAL_MAP_TILE_URL).
// mista.json answers a bounded number of markers: when a town has more ("truncated"), the map asks again for
// the area it shows each time it moves (?bbox=west,south,east,north) and says that it shows only some.
(function () {
  "use strict";
  var element = document.getElementById("portal-map");
  if (!element || !window.L) {
    return;
  }
  var note = document.getElementById("portal-map-note");
  element.hidden = false;
  var map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution || "" }).addTo(map);
  L.Icon.Default.imagePath = element.dataset.images;
  var layer = L.geoJSON(null, {
    onEachFeature: function (feature, marker) {
      var link = document.createElement("a");
      link.href = feature.properties.url;
      link.textContent = feature.properties.title;
      marker.bindPopup(link);
    },
  }).addTo(map);
  var asked = 0;

  function clamp(value, limit) {
    return Math.max(-limit, Math.min(limit, value)).toFixed(6);
  }

  function load(bounds) {
    var url = element.dataset.points;
    if (bounds) {
      url += "?bbox=" + [
        clamp(bounds.getWest(), 180),
        clamp(bounds.getSouth(), 90),
        clamp(bounds.getEast(), 180),
        clamp(bounds.getNorth(), 90),
      ].join(",");
    }
    var request = ++asked;
    return fetch(url, { headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        return response.ok ? response.json() : { features: [] };
      })
      .then(function (collection) {
        if (request !== asked) {
          return null; // a later move asked again: its answer draws the map
        }
        layer.clearLayers();
        layer.addData(collection);
        if (note) {
          note.hidden = !collection.truncated;
        }
        return collection;
      });
  }

  load(null).then(function (collection) {
    if (!layer.getLayers().length) {
      element.hidden = true;
      return;
    }
    map.fitBounds(layer.getBounds(), { maxZoom: 16, padding: [24, 24] });
    if (collection.truncated) {
      map.on("moveend", function () {
        load(map.getBounds());
      });
      load(map.getBounds());
    }
  });
})();
