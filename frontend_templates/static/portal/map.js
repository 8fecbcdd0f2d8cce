// The portal's map: draws the public projects of mista.json over the list by place, which stays the page's
// content without JavaScript. Loaded only when the portal has a tile server (PORTAL_MAP_TILE_URL).
(function () {
  "use strict";
  var element = document.getElementById("portal-map");
  if (!element || !window.L) {
    return;
  }
  element.hidden = false;
  var map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution || "" }).addTo(map);
  L.Icon.Default.imagePath = element.dataset.images;
  fetch(element.dataset.points, { headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      return response.ok ? response.json() : { features: [] };
    })
    .then(function (collection) {
      var layer = L.geoJSON(collection, {
        onEachFeature: function (feature, marker) {
          var link = document.createElement("a");
          link.href = feature.properties.url;
          link.textContent = feature.properties.title;
          marker.bindPopup(link);
        },
      }).addTo(map);
      if (layer.getLayers().length) {
        map.fitBounds(layer.getBounds(), { maxZoom: 16, padding: [24, 24] });
      } else {
        element.hidden = true;
      }
    });
})();
