// The operator's Kubernetes client: typed paths per kind, JSON calls, watches, API errors.
export { type ClientOptions, KubeClient, type List, type WatchEventType } from "./client.ts";
export { ApiError, isAlreadyExists, isConflict, isNotFound } from "./errors.ts";
export { collectionPath, objectPath, type ResourceType, resourceTypes } from "./resource.ts";
