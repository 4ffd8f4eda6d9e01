// fast-check with a fixed seed, so CI runs are repeatable; FC_SEED=<n> explores others. On
// failure fast-check prints the seed and path that reproduce it.
import fc from "fast-check";

const seed = Number(process.env.FC_SEED ?? 20_251_128);
fc.configureGlobal({ seed });

export { fc };
