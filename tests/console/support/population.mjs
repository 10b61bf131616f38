// The sample participants: grids of addresses around Amsterdam's and Utrecht's centres, as CSV.
import fs from 'node:fs';

// Centre, rows × columns, and the step in degrees (about 100 m both ways at 52° N).
const kGrids = [
  { name: 'amsterdam', lat: 52.3731, lon: 4.8926, rows: 50, cols: 40, prefix: 611 },
  { name: 'utrecht', lat: 52.0907, lon: 5.1214, rows: 40, cols: 25, prefix: 612 },
];
const kStepLat = 0.0009;
const kStepLon = 0.0015;
// Every personal channel the file outboxes stand in for; no quiet hours, so that only the night
// rule holds an alert back.
const kChannels = ['sms', 'voice;sms', 'sms;push', 'voice;sms;push'];

export function writePopulationCsv(file) {
  const lines = ['phone,lat,lon,channels,quiet_from,quiet_to,language'];
  for (const grid of kGrids) {
    for (let i = 0; i < grid.rows * grid.cols; i++) {
      const row = i % grid.rows;
      const col = Math.floor(i / grid.rows);
      const lat = grid.lat + (row - grid.rows / 2) * kStepLat;
      const lon = grid.lon + (col - grid.cols / 2) * kStepLon;
      const phone = `0${grid.prefix}${String(i).padStart(6, '0')}`;
      const language = i % 5 === 0 ? 'en' : 'nl';
      lines.push(`${phone},${lat.toFixed(5)},${lon.toFixed(5)},${kChannels[i % kChannels.length]},,,${language}`);
    }
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return lines.length - 1;
}
