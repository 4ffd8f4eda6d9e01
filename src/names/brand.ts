declare const brand: unique symbol;

/** A `T` that only a validating parser of this module hands out. */
export type Branded<T, Name extends string> = T & { readonly [brand]: Name };
