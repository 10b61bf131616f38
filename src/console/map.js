// The map without tiles: the municipalities from GET /v1/areas as SVG paths in RD metres (y
// negated, as ST_AsSVG writes them), zoom and pan, and the two drawing tools (circle, polygon).
import {api} from './api.js';
import {h, svg} from './dom.js';
import {tr} from './i18n.js';

let areasPromise = null;

// The areas once per sign-in: the same for every token, and the largest answer the console reads.
export function loadAreas() {
  if (!areasPromise) areasPromise = api('GET', '/v1/areas').catch((e) => {
    areasPromise = null;
    throw e;
  });
  return areasPromise;
}

export function forgetAreas() {
  areasPromise = null;
}

// "M 1 -2 3 -4 Z M ..." (with or without L) -> rings of [x, y] in RD metres.
export function ringsOf(path) {
  const rings = [];
  for (const part of path.split(/[Mm]/)) {
    const numbers = part.match(/-?\d+(\.\d+)?/g);
    if (!numbers || numbers.length < 6) continue;
    const ring = [];
    for (let i = 0; i + 1 < numbers.length; i += 2) ring.push([Number(numbers[i]), -Number(numbers[i + 1])]);
    rings.push(ring);
  }
  return rings;
}

// Even-odd over every ring, so a hole (an enclave) is outside.
export function insideRings(rings, x, y) {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

function boxOf(rings) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  for (const ring of rings) {
    for (const [x, y] of ring) {
      box[0] = Math.min(box[0], x);
      box[1] = Math.min(box[1], y);
      box[2] = Math.max(box[2], x);
      box[3] = Math.max(box[3], y);
    }
  }
  return box;
}

// Points a shape is checked by: a circle's centre and 32 points of its edge; a polygon's vertices.
export function shapePoints(shape) {
  if (shape.kind === 'polygon') return shape.points;
  const points = [[shape.x, shape.y]];
  for (let i = 0; i < 32; i++) {
    const a = (i / 32) * 2 * Math.PI;
    points.push([shape.x + shape.r * Math.cos(a), shape.y + shape.r * Math.sin(a)]);
  }
  return points;
}

export class MapView {
  // options: {areas, ownCode, onShape(shape, final), allows(shape) -> bool}
  constructor(options) {
    this.options = options;
    this.tool = null;
    this.shape = null;
    this.draft = null;
    this.byCode = new Map(options.areas.areas.map((a) => [a.code, a]));
    const [xmin, ymin, xmax, ymax] = options.areas.bbox || [0, 300000, 280000, 620000];
    this.home = [xmin, -ymax, xmax - xmin, ymax - ymin];
    this.view = [...this.home];

    this.svg = svg('svg', {testid: 'map', class: 'map', tabindex: 0, role: 'application', xmlns: 'http://www.w3.org/2000/svg'});
    tr(this.svg, 'map_label', null, 'aria-label');
    this.areaLayer = svg('g', {class: 'areas'});
    this.extraLayer = svg('g', {class: 'extra'});
    this.shapeLayer = svg('g', {class: 'shapes'});
    for (const area of options.areas.areas) {
      const path = svg('path', {d: area.path, 'data-code': area.code, class: area.code === options.ownCode ? 'own' : null});
      path.append(svg('title', {}, `${area.name} (${area.code})`));
      this.areaLayer.append(path);
    }
    this.svg.append(this.areaLayer, this.extraLayer, this.shapeLayer);
    this.applyView();

    const zoomButton = (testid, key, factor) => {
      const button = h('button', {type: 'button', testid, class: 'zoom', onclick: () => (factor ? this.zoom(factor) : this.reset())});
      tr(button, key, null, 'aria-label');
      tr(button, key, null, 'title');
      button.textContent = {'zoom-in': '+', 'zoom-out': '−', 'zoom-reset': '⟲'}[testid];
      return button;
    };
    this.element = h('div', {class: 'map-box'},
      this.svg,
      h('div', {class: 'map-controls'}, zoomButton('zoom-in', 'zoom_in', 1.5), zoomButton('zoom-out', 'zoom_out', 1 / 1.5),
        zoomButton('zoom-reset', 'zoom_reset', 0)),
      tr(h('p', {testid: 'map-credit', class: 'map-credit'}), 'map_credit'));
    this.listen();
  }

  applyView() {
    this.svg.setAttribute('viewBox', this.view.map((v) => v.toFixed(1)).join(' '));
  }

  // Client pixels -> SVG units (x, -y in RD metres).
  toSvg(event) {
    const point = this.svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    const ctm = this.svg.getScreenCTM();
    return ctm ? point.matrixTransform(ctm.inverse()) : point;
  }

  zoom(factor, at) {
    const [vx, vy, vw, vh] = this.view;
    const cx = at ? at.x : vx + vw / 2;
    const cy = at ? at.y : vy + vh / 2;
    const nw = Math.max(500, Math.min(this.home[2] * 2, vw / factor));
    const f = vw / nw;
    this.view = [cx - (cx - vx) / f, cy - (cy - vy) / f, vw / f, vh / f];
    this.applyView();
  }

  reset() {
    this.view = [...this.home];
    this.applyView();
  }

  zoomTo(code) {
    const area = this.byCode.get(code);
    if (!area) return;
    const [xmin, ymin, xmax, ymax] = boxOf(ringsOf(area.path));
    const margin = Math.max(xmax - xmin, ymax - ymin) * 0.1 + 200;
    this.view = [xmin - margin, -ymax - margin, xmax - xmin + 2 * margin, ymax - ymin + 2 * margin];
    this.applyView();
  }

  rings(code) {
    const area = this.byCode.get(code);
    return area ? ringsOf(area.path) : [];
  }

  setTool(tool) {
    this.tool = tool;
    this.draft = null;
    this.svg.classList.toggle('drawing', !!tool);
    this.render();
  }

  clearShape() {
    this.shape = null;
    this.draft = null;
    this.render();
  }

  // An area already sent (GeoJSON in WGS 84, converted by the caller to rings of RD metres).
  showRings(rings, className) {
    const d = rings.map((ring) => 'M ' + ring.map(([x, y]) => `${x.toFixed(0)} ${(-y).toFixed(0)}`).join(' L ') + ' Z').join(' ');
    this.extraLayer.append(svg('path', {d, class: className}));
  }

  render() {
    while (this.shapeLayer.firstChild) this.shapeLayer.firstChild.remove();
    const shape = this.draft || this.shape;
    if (!shape) return;
    const refused = this.options.allows && !this.options.allows(shape);
    const cls = `area-shape${refused ? ' refused' : ''}${this.draft ? ' draft' : ''}`;
    if (shape.kind === 'circle') {
      this.shapeLayer.append(svg('circle', {testid: 'area-shape', class: cls, cx: shape.x, cy: -shape.y, r: Math.max(shape.r, 1)}));
    } else {
      const points = shape.points.map(([x, y]) => `${x},${-y}`).join(' ');
      const tag = shape.closed ? 'polygon' : 'polyline';
      this.shapeLayer.append(svg(tag, {testid: 'area-shape', class: cls, points}));
      if (!shape.closed && shape.cursor) {
        const last = shape.points[shape.points.length - 1];
        this.shapeLayer.append(svg('line', {class: 'rubber', x1: last[0], y1: -last[1], x2: shape.cursor[0], y2: -shape.cursor[1]}));
      }
    }
  }

  emit(shape, final) {
    if (final) {
      if (this.options.allows && !this.options.allows(shape)) {
        this.shape = null;
        this.draft = null;
        this.render();
        this.options.onRefused?.();
        return;
      }
      this.shape = shape;
      this.draft = null;
    } else {
      this.draft = shape;
    }
    this.render();
    if (!(this.options.allows && !this.options.allows(shape))) this.options.onShape?.(shape, final);
  }

  finishPolygon() {
    const d = this.draft;
    if (!d || d.kind !== 'polygon') return;
    // A double-click adds its point twice (two clicks first): drop repeats.
    const points = d.points.filter((p, i) => i === 0 || Math.hypot(p[0] - d.points[i - 1][0], p[1] - d.points[i - 1][1]) > 1);
    if (points.length < 3) return;
    this.emit({kind: 'polygon', points, closed: true}, true);
    this.setTool(null);
    this.options.onToolDone?.();
  }

  cancel() {
    this.draft = null;
    this.setTool(null);
    this.options.onToolDone?.();
  }

  listen() {
    const s = this.svg;
    let pan = null;
    let circle = null;
    s.addEventListener('wheel', (e) => {
      e.preventDefault();
      this.zoom(e.deltaY < 0 ? 1.25 : 0.8, this.toSvg(e));
    }, {passive: false});
    s.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      s.focus({preventScroll: true});
      const p = this.toSvg(e);
      if (this.tool === 'circle') {
        circle = {kind: 'circle', x: p.x, y: -p.y, r: 0};
        s.setPointerCapture(e.pointerId);
        this.emit(circle, false);
      } else if (!this.tool) {
        pan = {x: e.clientX, y: e.clientY, view: [...this.view], scale: 1 / (s.getScreenCTM()?.a || 1)};
        s.setPointerCapture(e.pointerId);
      }
    });
    s.addEventListener('pointermove', (e) => {
      if (circle) {
        const p = this.toSvg(e);
        circle = {...circle, r: Math.hypot(p.x - circle.x, -p.y - circle.y)};
        this.emit(circle, false);
      } else if (pan) {
        const [vx, vy, vw, vh] = pan.view;
        this.view = [vx - (e.clientX - pan.x) * pan.scale, vy - (e.clientY - pan.y) * pan.scale, vw, vh];
        this.applyView();
      } else if (this.tool === 'polygon' && this.draft) {
        const p = this.toSvg(e);
        this.draft = {...this.draft, cursor: [p.x, -p.y]};
        this.render();
      }
    });
    const release = () => {
      if (circle) {
        const done = circle;
        circle = null;
        if (done.r >= 1) {
          this.emit(done, true);
          this.setTool(null);
          this.options.onToolDone?.();
        } else {
          this.draft = null;
          this.render();
        }
      }
      pan = null;
    };
    s.addEventListener('pointerup', release);
    s.addEventListener('pointercancel', release);
    s.addEventListener('click', (e) => {
      if (this.tool !== 'polygon') return;
      const p = this.toSvg(e);
      const points = this.draft ? [...this.draft.points, [p.x, -p.y]] : [[p.x, -p.y]];
      this.draft = {kind: 'polygon', points, closed: false};
      this.render();
      if (points.length >= 3) this.options.onShape?.({kind: 'polygon', points, closed: true}, false);
    });
    s.addEventListener('dblclick', (e) => {
      if (this.tool !== 'polygon') return;
      e.preventDefault();
      this.finishPolygon();
    });
    s.addEventListener('keydown', (e) => {
      const [vx, vy, vw, vh] = this.view;
      const step = vw / 10;
      const moves = {ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step]};
      if (moves[e.key]) {
        this.view = [vx + moves[e.key][0], vy + moves[e.key][1], vw, vh];
        this.applyView();
      } else if (e.key === '+' || e.key === '=') {
        this.zoom(1.5);
      } else if (e.key === '-') {
        this.zoom(1 / 1.5);
      } else if (e.key === 'Escape') {
        this.cancel();
      } else if (e.key === 'Enter' && this.tool === 'polygon') {
        if (this.draft && this.draft.points.length >= 3) this.finishPolygon();
        else {
          // From the keyboard: a vertex at the view's centre; pan with the arrows between them.
          const point = [vx + vw / 2, -(vy + vh / 2)];
          this.draft = {kind: 'polygon', points: this.draft ? [...this.draft.points, point] : [point], closed: false};
          this.render();
        }
      } else if (e.key === ' ' && this.tool === 'polygon') {
        const point = [vx + vw / 2, -(vy + vh / 2)];
        this.draft = {kind: 'polygon', points: this.draft ? [...this.draft.points, point] : [point], closed: false};
        this.render();
      } else if (e.key === 'Enter' && this.tool === 'circle') {
        // From the keyboard: a circle at the view's centre, an eighth of the view wide.
        this.emit({kind: 'circle', x: vx + vw / 2, y: -(vy + vh / 2), r: Math.max(50, vw / 8)}, true);
        this.setTool(null);
        this.options.onToolDone?.();
      } else {
        return;
      }
      e.preventDefault();
    });
  }
}

// The i18n key and values that describe a shape ("Gebied: cirkel van 800 m").
export function describeShape(shape) {
  if (!shape) return ['area_none', null];
  if (shape.kind === 'circle') return ['area_circle', {r: Math.round(shape.r)}];
  if (shape.kind === 'municipality') return ['area_municipality', {code: shape.code}];
  return ['area_polygon', {n: shape.points.length}];
}
