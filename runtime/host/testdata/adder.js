// The adder in JavaScript, built with componentize-js: returns x + y, logging each call to
// stdout and the call's headers to stderr.
export function addFloats(ctx, request) {
  console.log(`adding ${request.x} and ${request.y}`);
  console.error(`headers: ${ctx.headers.map(([name, value]) => `${name}=${value}`).join(", ")}`);
  return { result: request.x + request.y };
}
