/**
 * Just enough PNG to draw the two Teams app icons in code: 8-bit RGBA, no interlace, every scanline
 * unfiltered, compressed with node:zlib. No image library needed.
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from './crc32.js';

export type Rgba = readonly [number, number, number, number];

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A size×size image whose pixel at (x, y) is `pixel(x, y)`. */
export function png(size: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // colour type: RGBA
  header.writeUInt8(0, 10); // deflate
  header.writeUInt8(0, 11); // adaptive filtering (each line says "none")
  header.writeUInt8(0, 12); // no interlace
  const raw = Buffer.alloc(size * (1 + size * 4));
  for (let y = 0; y < size; y += 1) {
    const row = y * (1 + size * 4);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x += 1) raw.set(pixel(x, y), row + 1 + x * 4);
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

export function hexColour(hex: string): Rgba {
  const value = Number.parseInt(hex.replace(/^#/, ''), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff, 0xff];
}

/** opsbot's mark, a terminal prompt `>_`, on a unit square: true where the glyph is. */
function promptGlyph(u: number, v: number): boolean {
  const stroke = 0.085;
  // The chevron: two strokes meeting at (0.52, 0.45).
  const onChevron = (ax: number, ay: number, bx: number, by: number): boolean => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(u - (ax + t * dx), v - (ay + t * dy)) <= stroke / 1.4;
  };
  const chevron = onChevron(0.24, 0.24, 0.5, 0.45) || onChevron(0.5, 0.45, 0.24, 0.66);
  const underscore = u >= 0.54 && u <= 0.8 && v >= 0.62 && v <= 0.62 + stroke;
  return chevron || underscore;
}

/** 192×192: the prompt in white on the accent colour. */
export function colorIcon(accent: string): Buffer {
  const background = hexColour(accent);
  const size = 192;
  return png(size, (x, y) => (promptGlyph((x + 0.5) / size, (y + 0.5) / size) ? [255, 255, 255, 255] : background));
}

/** 32×32: white on transparent, as Teams requires of the outline icon. */
export function outlineIcon(): Buffer {
  const size = 32;
  return png(size, (x, y) => (promptGlyph((x + 0.5) / size, (y + 0.5) / size) ? [255, 255, 255, 255] : [0, 0, 0, 0]));
}
