/**
 * Textual file headers: 3200 bytes, 40 lines of 80 characters, in EBCDIC (code page 037, the
 * SEG-Y default) or ASCII.
 *
 * Detection counts the bytes that are printable text in each encoding and picks the better one.
 * A header of only NUL bytes, or only ASCII blanks, is ASCII (it has no EBCDIC text in it). A header
 * where fewer than half of the non-NUL bytes are text in either encoding is not text at all.
 *
 * @module
 */
import { SegyError } from '../errors/index.js';

/** Encoding of a textual header. */
export type TextEncoding = 'ebcdic' | 'ascii';

/** Bytes in a textual header. */
export const TEXT_HEADER_SIZE = 3200;
const LINE_LENGTH = 80;

/** Unicode text of each EBCDIC (cp037) byte; control characters appear as-is here. */
const CP037 =
  '\x00\x01\x02\x03\x9c\t\x86\x7f\x97\x8d\x8e\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x9d\x85\x08\x87\x18\x19\x92\x8f\x1c\x1d\x1e\x1f' +
  '\x80\x81\x82\x83\x84\n\x17\x1b\x88\x89\x8a\x8b\x8c\x05\x06\x07\x90\x91\x16\x93\x94\x95\x96\x04\x98\x99\x9a\x9b\x14\x15\x9e\x1a' +
  ' \xa0âäàáãåçñ¢.<(+|&éêëèíîïìß!$*);¬-/ÂÄÀÁÃÅÇÑ¦,%_>?øÉÊËÈÍÎÏÌ`:#@\'="' +
  'Øabcdefghi«»ðýþ±°jklmnopqrªºæ¸Æ¤µ~stuvwxyz¡¿ÐÝÞ®^£¥·©§¶¼½¾[]¯¨´×' +
  '{ABCDEFGHI\xadôöòóõ}JKLMNOPQR¹ûüùúÿ\\÷STUVWXYZ²ÔÖÒÓÕ0123456789³ÛÜÙÚ\x9f';

/** True for a character worth showing: not a C0/C1 control character. */
function isPrintable(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return (c >= 0x20 && c < 0x7f) || (c > 0xa0 && c !== 0xad);
}

/** Display text of each byte: printable characters, everything else a blank. */
const EBCDIC_DISPLAY = Array.from(CP037, (ch) => (isPrintable(ch) ? ch : ' '));
const ASCII_DISPLAY = Array.from({ length: 256 }, (_, b) =>
  b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ' ',
);

/** EBCDIC byte of each printable character; used by {@link encodeText}. */
const EBCDIC_OF = new Map<string, number>();
for (let b = 255; b >= 0; b--) if (isPrintable(CP037[b]!)) EBCDIC_OF.set(CP037[b]!, b);

const EBCDIC_TEXT = new Uint8Array(256);
const ASCII_TEXT = new Uint8Array(256);
// Evidence of text is a byte that is a plain (ASCII-range) printable character in the encoding:
// 95 of 256 byte values in either, so random bytes score about 37 % in both, while code page 037's
// many accented letters would otherwise make three quarters of any random bytes "EBCDIC text".
for (let b = 0; b < 256; b++) {
  const c = CP037.charCodeAt(b);
  EBCDIC_TEXT[b] = c >= 0x20 && c < 0x7f ? 1 : 0;
  ASCII_TEXT[b] = b >= 0x20 && b < 0x7f ? 1 : 0;
}
// Line breaks and tabs are text in ASCII headers written by editors.
for (const b of [0x09, 0x0a, 0x0d]) ASCII_TEXT[b] = 1;

/** What {@link detectTextEncoding} found. */
export interface TextDetection {
  /** The better encoding; ASCII when the header is blank (all NUL or all spaces). */
  encoding: TextEncoding;
  /** True when the header holds no text at all (only NUL bytes and blanks). */
  blank: boolean;
  /** Share of non-NUL bytes that are text in the chosen encoding (1 for a blank header). */
  textShare: number;
}

/** Decide whether `bytes` are EBCDIC or ASCII text. */
export function detectTextEncoding(bytes: Uint8Array): TextDetection {
  let ebcdic = 0;
  let ascii = 0;
  let nonNul = 0;
  let blanks = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0) continue;
    nonNul++;
    ebcdic += EBCDIC_TEXT[b]!;
    ascii += ASCII_TEXT[b]!;
    if (b === 0x20 || b === 0x40) blanks++;
  }
  if (nonNul === 0 || blanks === nonNul) {
    const onlyEbcdicBlanks = nonNul > 0 && bytes.every((b) => b === 0 || b === 0x40);
    return { encoding: onlyEbcdicBlanks ? 'ebcdic' : 'ascii', blank: true, textShare: 1 };
  }
  const encoding: TextEncoding = ebcdic > ascii ? 'ebcdic' : 'ascii';
  return { encoding, blank: false, textShare: Math.max(ebcdic, ascii) / nonNul };
}

/**
 * Decode a textual header (or any multiple of 80 bytes) into lines of 80 characters joined with
 * `\n`. Control characters (including NUL) become blanks; the raw bytes are the lossless form.
 *
 * @param encoding - force an encoding instead of detecting it.
 */
export function decodeText(
  bytes: Uint8Array,
  encoding?: TextEncoding,
): { text: string; encoding: TextEncoding } {
  const chosen = encoding ?? detectTextEncoding(bytes).encoding;
  const table = chosen === 'ebcdic' ? EBCDIC_DISPLAY : ASCII_DISPLAY;
  const lines: string[] = [];
  for (let start = 0; start < bytes.length; start += LINE_LENGTH) {
    let line = '';
    const end = Math.min(start + LINE_LENGTH, bytes.length);
    for (let i = start; i < end; i++) line += table[bytes[i]!];
    lines.push(line);
  }
  return { text: lines.join('\n'), encoding: chosen };
}

/**
 * Encode text into a 3200-byte textual header: lines (split at `\n`) are padded or cut to 80
 * characters, up to 40 lines, blank-padded. Characters the encoding lacks become `?`.
 */
export function encodeText(text: string, encoding: TextEncoding): Uint8Array {
  const out = new Uint8Array(TEXT_HEADER_SIZE);
  const blank = encoding === 'ebcdic' ? 0x40 : 0x20;
  out.fill(blank);
  const unknown = encoding === 'ebcdic' ? EBCDIC_OF.get('?')! : 0x3f;
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .slice(0, TEXT_HEADER_SIZE / LINE_LENGTH);
  lines.forEach((line, row) => {
    const chars = Array.from(line).slice(0, LINE_LENGTH);
    chars.forEach((ch, col) => {
      const code = ch.codePointAt(0)!;
      let byte: number;
      if (encoding === 'ebcdic') byte = EBCDIC_OF.get(ch) ?? unknown;
      else byte = code >= 0x20 && code < 0x7f ? code : unknown;
      out[row * LINE_LENGTH + col] = byte;
    });
  });
  return out;
}

/**
 * Decode a textual header read from a file, refusing bytes that are not text.
 *
 * @throws SegyError `SEGY_BAD_TEXT_HEADER` when fewer than half of the non-NUL bytes are text in
 * either encoding.
 */
export function decodeTextHeader(
  bytes: Uint8Array,
  context: { path?: string; byteOffset?: number },
): { text: string; encoding: TextEncoding; blank: boolean } {
  const detection = detectTextEncoding(bytes);
  if (detection.textShare < 0.5) {
    throw new SegyError(
      'SEGY_BAD_TEXT_HEADER',
      `textual header is neither EBCDIC nor ASCII text (only ${Math.round(detection.textShare * 100)}% text bytes); is this a SEG-Y file?`,
      context,
    );
  }
  return { ...decodeText(bytes, detection.encoding), blank: detection.blank };
}

/** The stanza that closes a variable-length list of extended textual headers (rev 2). */
const END_TEXT = /\(\(\s*SEG\s*:\s*EndText\s*\)\)/i;

/** True when a decoded extended textual header is the `((SEG: EndText))` stanza. */
export function isEndTextStanza(text: string): boolean {
  return END_TEXT.test(text);
}
