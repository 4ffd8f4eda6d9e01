// The gRPC health service (grpc.health.v1.Health/Check), built in: Kubernetes gRPC probes and
// load balancers ask it whether the pod serves.
import {
  CompoundCoding,
  type Field,
  GrpcArity,
  type GrpcMethod,
  ScalarCoding,
} from "../../src/metadata/index.ts";

export const HEALTH_SERVICE = "grpc.health.v1.Health";

/** HealthCheckRequest { string service = 1; } → HealthCheckResponse { ServingStatus status = 1; } */
export const healthCheckMethod: GrpcMethod = {
  function: "",
  arity: GrpcArity.UNARY,
  request: {
    number: 0,
    name: "",
    subfields: [
      {
        number: 1,
        name: "service",
        subfields: [],
        coding: { scalar: ScalarCoding.STRING_UTF8_IMPLICIT },
      },
    ],
  },
  response: {
    number: 0,
    name: "",
    subfields: [
      {
        number: 1,
        name: "status",
        coding: { compound: CompoundCoding.ENUM_IMPLICIT },
        subfields: ["unknown", "serving", "not-serving", "service-unknown"].map(
          (name, number): Field => ({ number, name, subfields: [] }),
        ),
      },
    ],
  },
};
