/**
 * A block of a document (the README) that a generator owns: everything from its begin marker to
 * its end marker, markers included. Each marker must occur exactly once, begin before end.
 */
export interface GeneratedBlock {
  /** The block currently in `document`, markers included. */
  extract(document: string): string;
  /** `document` with its block (markers included) replaced by `block`. */
  replace(document: string, block: string): string;
}

export function generatedBlock(begin: string, end: string): GeneratedBlock {
  const bounds = (document: string): { start: number; end: number } => {
    const start = document.indexOf(begin);
    const endMarker = document.indexOf(end);
    if (start === -1 || endMarker === -1 || endMarker < start) {
      throw new Error(`expected one "${begin}" followed by one "${end}" in the document; found begin at ${start}, end at ${endMarker}`);
    }
    if (document.indexOf(begin, start + 1) !== -1 || document.indexOf(end, endMarker + 1) !== -1) {
      throw new Error(`expected the markers "${begin}" and "${end}" once each in the document; found them more than once`);
    }
    return { start, end: endMarker + end.length };
  };
  return {
    extract(document) {
      const b = bounds(document);
      return document.slice(b.start, b.end);
    },
    replace(document, block) {
      const b = bounds(document);
      return document.slice(0, b.start) + block + document.slice(b.end);
    },
  };
}
