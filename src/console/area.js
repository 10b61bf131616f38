// Shapes drawn on the map (RD metres) as the API's areas (WGS 84), and the API's GeoJSON back.
import {rdToWgs84, round6, wgs84ToRd} from './rd.js';

export function areaOf(shape) {
  if (shape.kind === 'municipality') return {municipality: shape.code};
  if (shape.kind === 'circle') {
    const c = rdToWgs84(shape.x, shape.y);
    return {circle: {lat: round6(c.lat), lon: round6(c.lon), radius_m: Math.max(50, Math.round(shape.r))}};
  }
  const ring = shape.points.map(([x, y]) => {
    const p = rdToWgs84(x, y);
    return [round6(p.lon), round6(p.lat)];
  });
  ring.push(ring[0]);
  // GeoJSON wants the outer ring counter-clockwise (RFC 7946); PostGIS takes either.
  return {polygon: {type: 'Polygon', coordinates: [ring]}};
}

// A GeoJSON Polygon or MultiPolygon (WGS 84) -> rings of [x, y] in RD metres.
export function ringsOfGeoJson(geojson) {
  if (!geojson || !geojson.coordinates) return [];
  const polygons = geojson.type === 'MultiPolygon' ? geojson.coordinates : geojson.type === 'Polygon' ? [geojson.coordinates] : [];
  const rings = [];
  for (const polygon of polygons) {
    for (const ring of polygon) {
      rings.push(ring.map(([lon, lat]) => {
        const p = wgs84ToRd(lat, lon);
        return [p.x, p.y];
      }));
    }
  }
  return rings;
}
