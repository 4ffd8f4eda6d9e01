// The subset of OpenAPI v3 (as Kubernetes' apiextensions.k8s.io/v1 accepts it) the CRDs use.

export interface Schema {
  type?: "object" | "array" | "string" | "integer" | "boolean";
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema;
  enum?: string[];
  pattern?: string;
  minimum?: number;
  maxLength?: number;
  minLength?: number;
  maxItems?: number;
  maxProperties?: number;
  default?: unknown;
  "x-kubernetes-validations"?: CelRule[];
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
}

/** A CEL validation rule with the message a person reads when it fails. */
export interface CelRule {
  rule: string;
  message: string;
}

export function object(
  description: string,
  properties: Record<string, Schema>,
  required: string[] = [],
): Schema {
  return {
    type: "object",
    description,
    properties,
    ...(required.length > 0 ? { required } : {}),
  };
}

export function string(description: string, extra: Partial<Schema> = {}): Schema {
  return { type: "string", description, ...extra };
}

export function strings(description: string, maxItems = 64): Schema {
  return { type: "array", description, maxItems, items: { type: "string", maxLength: 253 } };
}

/** metav1.Condition, as controller-gen writes it. */
const condition: Schema = object(
  "One aspect of the resource's state (metav1.Condition).",
  {
    type: string("Type of condition in CamelCase.", { maxLength: 316 }),
    status: string("Status of the condition: True, False or Unknown.", {
      enum: ["True", "False", "Unknown"],
    }),
    observedGeneration: {
      type: "integer",
      format: "int64",
      minimum: 0,
      description: "The .metadata.generation the condition was set for.",
    },
    lastTransitionTime: string("When the condition last changed status.", {
      format: "date-time",
    }),
    reason: string("A programmatic identifier of the condition's last transition.", {
      maxLength: 1024,
    }),
    message: string("A human readable message about the transition.", { maxLength: 32768 }),
  },
  ["type", "status", "lastTransitionTime", "reason", "message"],
);

/** The status every kind has: a list of conditions keyed by type. */
export const status: Schema = object("What the operator observed.", {
  conditions: {
    type: "array",
    description: "The resource's conditions; `Available` reports the last reconciliation.",
    items: condition,
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
  },
});

/** An `id` that can be set once: CEL transition rules compare with the stored value. */
export function immutable(schema: Schema, field: string): Schema {
  return {
    ...schema,
    "x-kubernetes-validations": [
      ...(schema["x-kubernetes-validations"] ?? []),
      { rule: "self == oldSelf", message: `${field} is immutable; create a new resource instead` },
    ],
  };
}
