// Which lines one text has that another lacks, counting repeats: a test documents each such
// line of the original's golden output and of ours, so every difference has a stated reason.

export interface LineChanges {
  /** Lines of the original missing from ours, in the original's order. */
  removed: string[];
  /** Lines of ours missing from the original, in our order. */
  added: string[];
}

export function lineChanges(original: string, ours: string): LineChanges {
  return { removed: missingFrom(ours, original), added: missingFrom(original, ours) };
}

/** The lines of `text` left over after each line of `other` has cancelled one equal line. */
function missingFrom(other: string, text: string): string[] {
  const available = new Map<string, number>();
  for (const line of other.split("\n")) available.set(line, (available.get(line) ?? 0) + 1);
  const missing: string[] = [];
  for (const line of text.split("\n")) {
    const count = available.get(line) ?? 0;
    if (count > 0) available.set(line, count - 1);
    else missing.push(line);
  }
  return missing;
}
