// Turn the module's QR text back into an image a decoder can read.
//
//   node qr_to_pgm.mjs utf8|ascii OUT.pgm < text
//
// Reads the lines of the code (drawn modules light, blank ones dark, as
// the module prints them), scales each module to 4x4 pixels and writes a
// binary PGM with dark modules black.
import { readFileSync, writeFileSync } from 'node:fs';

const [style, out] = process.argv.slice(2);
const lines = readFileSync(0, 'utf8').split('\n').filter((l) => l.length > 0);
const rows = [];
for (const line of lines) {
  if (style === 'ascii') {
    const row = [];
    for (let i = 0; i + 1 < line.length; i += 2) row.push(line[i] === '#');
    rows.push(row);
  } else {
    const upper = [];
    const lower = [];
    for (const ch of line) {
      upper.push(ch === '\u2588' || ch === '\u2580');
      lower.push(ch === '\u2588' || ch === '\u2584');
    }
    rows.push(upper, lower);
  }
}
const scale = 4;
const width = Math.max(...rows.map((r) => r.length)) * scale;
const height = rows.length * scale;
const pixels = Buffer.alloc(width * height, 255);
rows.forEach((row, y) => {
  row.forEach((light, x) => {
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        pixels[(y * scale + dy) * width + x * scale + dx] = light ? 255 : 0;
      }
    }
  });
});
writeFileSync(out, Buffer.concat([Buffer.from(`P5\n${width} ${height}\n255\n`), pixels]));
