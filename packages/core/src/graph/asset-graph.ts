import { DirectedGraph } from 'graphology';
import { topologicalGenerations } from 'graphology-dag';
import { bfsFromNode } from 'graphology-traversal';
import type { AssetKey } from '../definitions/asset-key.js';
import { CycleError } from '../errors.js';

/**
 * The dependency graph of a project's assets: edges point from an upstream asset to its
 * dependents. Built once per load in linear time (plus a sort of the keys for stable
 * order); traversals are cached per key.
 *
 * Topological order is stable: among assets that are ready at the same time, keys come in
 * lexicographic order, so lists, plans and lineage output never reorder between runs.
 */
export class AssetGraph {
  /** The underlying graphology graph (read-only use; nodes are keys). */
  readonly graph: DirectedGraph;
  /** Every key in stable topological order. */
  readonly order: readonly AssetKey[];
  private readonly position = new Map<AssetKey, number>();
  private readonly up = new Map<AssetKey, readonly AssetKey[]>();
  private readonly down = new Map<AssetKey, readonly AssetKey[]>();
  private readonly ancestorCache = new Map<AssetKey, ReadonlySet<AssetKey>>();
  private readonly descendantCache = new Map<AssetKey, ReadonlySet<AssetKey>>();

  /**
   * @param deps every asset key with its direct dependencies (all of which must be keys of the map).
   * @throws {@link CycleError} when the dependencies form a cycle; the error lists the path.
   */
  constructor(deps: ReadonlyMap<AssetKey, readonly AssetKey[]>) {
    const graph = new DirectedGraph({ allowSelfLoops: true });
    for (const key of deps.keys()) graph.addNode(key);
    for (const [key, ds] of deps) for (const d of ds) graph.mergeEdge(d, key);
    this.graph = graph;
    for (const key of deps.keys()) {
      this.up.set(key, [...new Set(deps.get(key))].sort());
      this.down.set(key, []);
    }
    for (const [key, ds] of this.up) for (const d of ds) (this.down.get(d) as AssetKey[]).push(key);
    for (const list of this.down.values()) (list as AssetKey[]).sort();
    // Kahn's algorithm leaves the nodes of any cycle unsorted, so it doubles as the cycle check.
    this.order = this.stableTopologicalOrder();
    if (this.order.length < this.up.size) throw new CycleError(this.findCycle());
    this.order.forEach((k, i) => this.position.set(k, i));
  }

  /** Number of assets. */
  get size(): number {
    return this.order.length;
  }

  /** Whether the key is in the graph. */
  has(key: AssetKey): boolean {
    return this.up.has(key);
  }

  /** Position of a key in {@link AssetGraph.order} (for sorting subsets topologically). */
  indexOf(key: AssetKey): number {
    return this.position.get(key) ?? -1;
  }

  /** Direct dependencies of a key, sorted. */
  upstream(key: AssetKey): readonly AssetKey[] {
    return this.up.get(key) ?? [];
  }

  /** Direct dependents of a key, sorted. */
  downstream(key: AssetKey): readonly AssetKey[] {
    return this.down.get(key) ?? [];
  }

  /** Every asset `key` depends on, transitively (cached). */
  ancestors(key: AssetKey): ReadonlySet<AssetKey> {
    return this.cachedTraversal(key, 'inbound', this.ancestorCache);
  }

  /** Every asset depending on `key`, transitively (cached). */
  descendants(key: AssetKey): ReadonlySet<AssetKey> {
    return this.cachedTraversal(key, 'outbound', this.descendantCache);
  }

  /**
   * Assets reachable from `start` walking `direction` up to `depth` edges (Infinity for all),
   * excluding the start keys themselves unless reached through another start key. Linear in
   * the visited part of the graph, whatever the number of start keys.
   */
  reach(start: Iterable<AssetKey>, direction: 'upstream' | 'downstream', depth = Infinity): Set<AssetKey> {
    const next = direction === 'upstream' ? this.up : this.down;
    const out = new Set<AssetKey>();
    let frontier = [...start];
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const following: AssetKey[] = [];
      for (const k of frontier) {
        for (const n of next.get(k) ?? []) {
          if (!out.has(n)) {
            out.add(n);
            following.push(n);
          }
        }
      }
      frontier = following;
    }
    return out;
  }

  /** Sorts keys into stable topological order. */
  sort(keys: Iterable<AssetKey>): AssetKey[] {
    return [...keys].sort((a, b) => this.indexOf(a) - this.indexOf(b));
  }

  /** Assets grouped by generation: generation 0 has no dependencies, and so on. */
  generations(): AssetKey[][] {
    return topologicalGenerations(this.graph).map((g) => g.sort());
  }

  private cachedTraversal(key: AssetKey, mode: 'inbound' | 'outbound', cache: Map<AssetKey, ReadonlySet<AssetKey>>): ReadonlySet<AssetKey> {
    let hit = cache.get(key);
    if (hit) return hit;
    const found = new Set<AssetKey>();
    if (this.graph.hasNode(key)) {
      bfsFromNode(this.graph, key, (node) => {
        if (node !== key) found.add(node);
      }, { mode });
    }
    hit = found;
    cache.set(key, hit);
    return hit;
  }

  /** Kahn's algorithm with a min-heap on keys: O((V + E) log V), stable across runs. */
  private stableTopologicalOrder(): AssetKey[] {
    const remaining = new Map<AssetKey, number>();
    const heap = new MinHeap();
    for (const [key, ds] of this.up) {
      remaining.set(key, ds.length);
      if (ds.length === 0) heap.push(key);
    }
    const order: AssetKey[] = [];
    while (heap.size > 0) {
      const key = heap.pop()!;
      order.push(key);
      for (const d of this.down.get(key)!) {
        const left = remaining.get(d)! - 1;
        remaining.set(d, left);
        if (left === 0) heap.push(d);
      }
    }
    return order;
  }

  /** A cycle path (first key repeated last), found by iterative DFS; keys visited in sorted order for stable messages. */
  private findCycle(): AssetKey[] {
    const state = new Map<AssetKey, 1 | 2>(); // 1 = on stack, 2 = done
    for (const root of [...this.up.keys()].sort()) {
      if (state.has(root)) continue;
      const stack: { key: AssetKey; i: number }[] = [{ key: root, i: 0 }];
      state.set(root, 1);
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const next = this.down.get(top.key)!;
        if (top.i >= next.length) {
          state.set(top.key, 2);
          stack.pop();
          continue;
        }
        const n = next[top.i++]!;
        const s = state.get(n);
        if (s === 1) {
          const path = stack.slice(stack.findIndex((f) => f.key === n)).map((f) => f.key);
          return [...path, n];
        }
        if (s === undefined) {
          state.set(n, 1);
          stack.push({ key: n, i: 0 });
        }
      }
    }
    return [];
  }
}

/** Minimal binary min-heap of strings (keys), for the stable topological sort. */
class MinHeap {
  private readonly items: string[] = [];
  get size(): number {
    return this.items.length;
  }
  push(value: string): void {
    const a = this.items;
    a.push(value);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= a[i]!) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): string | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}
