// Stands in for another pod's clients in the spinner test: once armed, it waits until the main
// thread starts spinning, then posts `count` call requests, each saying whether the spin had
// already ended when it was sent.
declare const self: Worker;

self.onmessage = (event: MessageEvent<{ state: Int32Array; count: number }>) => {
  const { state, count } = event.data;
  self.postMessage("armed");
  Atomics.wait(state, 0, 0);
  for (let call = 0; call < count; call++) {
    self.postMessage({ call, spinEnded: Atomics.load(state, 1) === 1 });
  }
};
