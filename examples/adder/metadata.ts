import { type Field, GrpcArity, type Metadata, ScalarCoding } from "../../src/metadata/index.ts";

const float = (number: number, name: string): Field => ({
  number,
  name,
  subfields: [],
  coding: { scalar: ScalarCoding.FLOAT_IMPLICIT },
});

/**
 * How vimanad serves `foo.bar.AdderService` (adder.proto) from a component of the
 * `adder-service` world (adder.wit): what the original's adder.txtpb says.
 */
export const adderMetadata: Metadata = {
  services: [
    {
      name: "foo.bar.AdderService",
      methods: new Map([
        [
          "AddFloats",
          {
            function: "add-floats",
            arity: GrpcArity.UNARY,
            request: { number: 0, name: "", subfields: [float(1, "x"), float(2, "y")] },
            response: { number: 0, name: "", subfields: [float(1, "result")] },
          },
        ],
      ]),
    },
  ],
};
