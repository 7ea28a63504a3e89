#!/usr/bin/env node
/**
 * Renders an SVG to PNG with headless Chromium and checks that the picture is not blank:
 * the check that the SVG em-fit writes shows something in a real browser, which the tests
 * (run in Node, on the SVG text) cannot see.
 *
 *   node scripts/render-check.mjs plot.svg [out.png]
 *
 * Needs Chromium (Debian: apt-get install -y chromium; another binary via $CHROMIUM). The PNG
 * is decoded here with node:zlib (8-bit grey, grey-alpha, RGB or RGBA, non-interlaced: what
 * Chromium writes). Exit 0 when the picture has ink, 1 when it is blank, 2 on any failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';

/** Share of non-white pixels below which the picture counts as blank. */
const MIN_INK = 0.005;
/** Fewest distinct colours of a picture with axes, bars and curves. */
const MIN_COLOURS = 3;

/** The SVG's width and height in pixels, from its root element (300 × 150, a browser's default, if absent). */
function svgSize(svg) {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const attr = (name) => Number(new RegExp(`\\b${name}="([0-9.]+)"`).exec(root)?.[1]);
  return { width: Math.ceil(attr('width') || 300), height: Math.ceil(attr('height') || 150) };
}

/** Runs Chromium headless once, writing a screenshot of `url` to `png`. */
function screenshot(url, png, width, height) {
  const profile = mkdtempSync(join(tmpdir(), 'render-check-'));
  try {
    const result = spawnSync(
      process.env.CHROMIUM ?? 'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        `--screenshot=${png}`,
        `--window-size=${width},${height}`,
        url,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (result.error) throw new Error(`cannot run Chromium: ${result.error.message}`);
    if (!existsSync(png)) throw new Error(`Chromium wrote no screenshot (exit ${result.status}):\n${result.stderr}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The Paeth predictor of PNG filter type 4 (PNG spec, section 9.4). */
function paeth(a, b, c) {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes a PNG into { width, height, channels, pixels } (pixels: row-major bytes). */
function decodePng(bytes) {
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!signature.every((b, i) => bytes[i] === b)) throw new Error('not a PNG file');
  let offset = 8;
  let header = null;
  const idat = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), depth: data[8], colourType: data[9], interlace: data[12] };
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (header === null) throw new Error('PNG without IHDR');
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[header.colourType];
  if (header.depth !== 8 || channels === undefined || header.interlace !== 0) {
    throw new Error(`unsupported PNG: bit depth ${header.depth}, colour type ${header.colourType}, interlace ${header.interlace}`);
  }
  const { width, height } = header;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? pixels[out + i - channels] : 0;
      const b = y > 0 ? pixels[out - stride + i] : 0;
      const c = i >= channels && y > 0 ? pixels[out - stride + i - channels] : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (predictor === undefined) throw new Error(`bad PNG filter type ${filter} on row ${y}`);
      pixels[out + i] = (line[i] + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/**
 * Ink statistics of a decoded image: distinct colours, the share of pixels that are not
 * white (transparent counts as white: the page behind it is), and the box they fill.
 */
function inkStats({ width, height, channels, pixels }) {
  const colours = new Set();
  let ink = 0;
  const box = { left: width, top: height, right: -1, bottom: -1 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * channels;
      const grey = channels < 3;
      const r = pixels[p];
      const g = grey ? r : pixels[p + 1];
      const b = grey ? r : pixels[p + 2];
      const alpha = channels === 2 || channels === 4 ? pixels[p + channels - 1] : 255;
      colours.add((r << 24) | (g << 16) | (b << 8) | alpha);
      if (alpha === 0 || (r === 255 && g === 255 && b === 255)) continue;
      ink++;
      box.left = Math.min(box.left, x);
      box.right = Math.max(box.right, x);
      box.top = Math.min(box.top, y);
      box.bottom = Math.max(box.bottom, y);
    }
  }
  return { colours: colours.size, ink: ink / (width * height), box };
}

function main(argv) {
  const [svgPath, pngArg] = argv;
  if (svgPath === undefined || svgPath === '-h' || svgPath === '--help') {
    console.error('usage: node scripts/render-check.mjs plot.svg [out.png]');
    return 2;
  }
  const svg = readFileSync(svgPath, 'utf8');
  const { width, height } = svgSize(svg);
  const png = resolve(pngArg ?? svgPath.replace(/\.svg$/i, '') + '.png');
  rmSync(png, { force: true });
  // The page's body margin is 8 px on each side; leave room for it so nothing is cut off.
  screenshot(pathToFileURL(resolve(svgPath)).href, png, width + 16, height + 16);
  const image = decodePng(readFileSync(png));
  const stats = inkStats(image);
  const blank = stats.ink < MIN_INK || stats.colours < MIN_COLOURS;
  const { box } = stats;
  console.log(
    `${png}: ${image.width}×${image.height}, ${stats.colours} colours, ${(100 * stats.ink).toFixed(1)}% ink` +
      (box.right < 0 ? '' : ` in x ${box.left}–${box.right}, y ${box.top}–${box.bottom}`) +
      (blank ? ': BLANK' : ''),
  );
  return blank ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`render-check: ${error.message}`);
  process.exitCode = 2;
}
