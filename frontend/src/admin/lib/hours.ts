// The special days' ranges as one line of text (issue 16).

/** "10:00-15:00, 16:00-18:00" (also 〜 – ー and 、) as ranges; what cannot be split is sent as is. */
export function parseRanges(text: string): string[][] {
  return text
    .split(/[,、，]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const pair = part.split(/\s*[-〜~–—ー]\s*/);
      return pair.length === 2 ? [pair[0] ?? '', pair[1] ?? ''] : [part, ''];
    });
}

export function rangesText(ranges: string[][]): string {
  return ranges.map(([a, b]) => `${a}-${b}`).join(', ');
}
