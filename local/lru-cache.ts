/**
 * The local edge's cache: bounded by the bytes of the bodies it holds, least recently used first out (a
 * Map keeps insertion order, so re-inserting on use makes it LRU); an expired entry is a miss.
 */
export function createByteLruCache<Entry extends { readonly body: Buffer; readonly expires: number }>(
  maxBytes: number,
) {
  const entries = new Map<string, Entry>();
  let bytes = 0;
  const remove = (key: string) => {
    const entry = entries.get(key);
    if (entry) bytes -= entry.body.length;
    entries.delete(key);
  };
  return {
    get size() {
      return entries.size;
    },
    get(key: string, now: number): Entry | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      remove(key);
      if (entry.expires <= now) return undefined;
      entries.set(key, entry);
      bytes += entry.body.length;
      return entry;
    },
    set(key: string, entry: Entry) {
      if (entry.body.length > maxBytes) return;
      remove(key);
      entries.set(key, entry);
      bytes += entry.body.length;
      for (const oldest of entries.keys()) {
        if (bytes <= maxBytes) break;
        remove(oldest);
      }
    },
  };
}
