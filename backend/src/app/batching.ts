/**
 * Calls that arrive while a batch is being handled wait and go together as the next
 * batch: a lone call runs at once (no timer, no added latency), a burst of calls becomes
 * a few batches sized by how long each takes. Each caller gets its own item's result,
 * or the batch's error.
 */
export function coalescing<I, O>(handle: (items: I[]) => Promise<O[]>, maxBatch = 100): (item: I) => Promise<O> {
  let waiting: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let running = false;

  async function drain() {
    running = true;
    while (waiting.length) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      try {
        const results = await handle(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(results[i]!));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    running = false;
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!running) void drain();
    });
}
