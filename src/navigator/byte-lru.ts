/**
 * A least-recently-used cache bounded in bytes: the sum of its entries' sizes never exceeds its
 * limit, whatever is inserted and whenever the limit changes.
 */

/** Why an entry left the cache. */
export type EvictionReason = 'capacity' | 'limit' | 'cleared';

/** A byte-bounded LRU map. */
export class ByteLruCache<K, V> {
  /** Entries, least recently used first (Map keeps insertion order; a touch re-inserts). */
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private held = 0;
  private protectedKey: K | undefined;

  constructor(
    private maxBytes: number,
    private readonly onEvict: (key: K, value: V, bytes: number, reason: EvictionReason) => void = () => {},
  ) {
    if (!(maxBytes >= 0)) throw new RangeError(`cache limit must be ≥ 0 bytes, got ${maxBytes}`);
  }

  /** Bytes held by the entries. */
  get bytes(): number {
    return this.held;
  }

  /** The limit in bytes. */
  get limit(): number {
    return this.maxBytes;
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  /** Keys, least recently used first. */
  keys(): K[] {
    return [...this.entries.keys()];
  }

  /** True when `key` is cached (does not count as a use). */
  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The value of `key`, marking it most recently used. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /**
   * Evict this key last: it is dropped only when nothing else can make room. Used for the
   * gather on screen. `undefined` protects nothing.
   */
  protect(key: K | undefined): void {
    this.protectedKey = key;
  }

  /**
   * Insert or replace `key`, evicting least recently used entries (only those `mayEvict`
   * accepts, when given) to make room. Returns false, changing nothing, when the entry cannot
   * fit: larger than the limit, or not enough evictable bytes.
   */
  set(key: K, value: V, bytes: number, mayEvict?: (key: K) => boolean): boolean {
    if (bytes > this.maxBytes) return false;
    const existing = this.entries.get(key);
    const needed = this.held - (existing?.bytes ?? 0) + bytes - this.maxBytes;
    const victims = needed > 0 ? this.victims(needed, key, mayEvict) : [];
    if (!victims) return false;
    for (const victim of victims) this.evict(victim, 'capacity');
    if (existing) {
      this.entries.delete(key);
      this.held -= existing.bytes;
    }
    this.entries.set(key, { value, bytes });
    this.held += bytes;
    return true;
  }

  /** Remove `key` without calling the eviction callback. */
  delete(key: K): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.held -= entry.bytes;
    return true;
  }

  /** Change the limit, evicting least recently used entries until the cache fits. */
  setLimit(maxBytes: number): void {
    if (!(maxBytes >= 0)) throw new RangeError(`cache limit must be ≥ 0 bytes, got ${maxBytes}`);
    this.maxBytes = maxBytes;
    if (this.held > maxBytes) {
      for (const key of this.victims(this.held - maxBytes, undefined) ?? []) this.evict(key, 'limit');
    }
  }

  /** Drop every entry. */
  clear(): void {
    for (const key of [...this.entries.keys()]) this.evict(key, 'cleared');
  }

  /** Least recently used keys freeing at least `bytes`, the protected key last; undefined if impossible. */
  private victims(bytes: number, incoming: K | undefined, mayEvict?: (key: K) => boolean): K[] | undefined {
    const chosen: K[] = [];
    let freed = 0;
    for (const [key, entry] of this.entries) {
      if (freed >= bytes) break;
      if (key === incoming || key === this.protectedKey || (mayEvict && !mayEvict(key))) continue;
      chosen.push(key);
      freed += entry.bytes;
    }
    const last = this.protectedKey;
    if (freed < bytes && last !== undefined && last !== incoming && this.entries.has(last)) {
      if (!mayEvict || mayEvict(last)) {
        chosen.push(last);
        freed += this.entries.get(last)!.bytes;
      }
    }
    return freed >= bytes ? chosen : undefined;
  }

  private evict(key: K, reason: EvictionReason): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.held -= entry.bytes;
    this.onEvict(key, entry.value, entry.bytes, reason);
  }
}
