// "Did you mean": the closest of the known words to a mistyped one, for flags and YAML keys.
export { closest } from "./closest.ts";
