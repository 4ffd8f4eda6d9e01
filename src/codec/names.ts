// Record keys as jco's glue spells them. Verified against transpiled glue in jco-shapes.test.ts:
// `all-CAPS-word` → `allCapsWord`, `field2x` → `field2x`.

/** A WIT label: kebab-case fragments, each all-lowercase or all-uppercase, starting with a letter. */
const witLabel = /^(?:[a-z][0-9a-z]*|[A-Z][0-9A-Z]*)(?:-(?:[a-z][0-9a-z]*|[A-Z][0-9A-Z]*))*$/;

export function isWitLabel(name: string): boolean {
  return witLabel.test(name);
}

/** The JavaScript property jco uses for a record field named `label`. */
export function recordKey(label: string): string {
  return label
    .split("-")
    .map((fragment, i) => {
      const lower = fragment.toLowerCase();
      return i === 0 ? lower : lower.charAt(0).toUpperCase() + lower.slice(1);
    })
    .join("");
}
