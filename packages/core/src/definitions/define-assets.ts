import { AssetGraph } from '../graph/asset-graph.js';
import { DuplicateKeyError, InvalidDefinitionError, UnknownAssetError, UnknownDependencyError } from '../errors.js';
import { closestKey, type AssetKey } from './asset-key.js';
import { computeAsset, decoratedSpec, isAssetDefinition, type AssetDefinition } from './asset.js';

/**
 * A validated set of asset definitions with their dependency graph. Made by
 * {@link defineAssets}; immutable.
 */
export class Definitions {
  /** The dependency graph. */
  readonly graph: AssetGraph;
  /** Every asset in stable topological order. */
  readonly assets: readonly AssetDefinition[];
  private readonly byKey: ReadonlyMap<AssetKey, AssetDefinition>;

  /** @internal Use {@link defineAssets}. */
  constructor(byKey: ReadonlyMap<AssetKey, AssetDefinition>, graph: AssetGraph) {
    this.byKey = byKey;
    this.graph = graph;
    this.assets = graph.order.map((k) => byKey.get(k)!);
  }

  /** Number of assets. */
  get size(): number {
    return this.assets.length;
  }

  /** Keys in stable topological order. */
  get keys(): readonly AssetKey[] {
    return this.graph.order;
  }

  /** Whether an asset with this key exists. */
  has(key: AssetKey): boolean {
    return this.byKey.has(key);
  }

  /**
   * The asset with this key.
   *
   * @throws {@link UnknownAssetError} (`ASSAY_UNKNOWN_ASSET`) with a "did you mean" hint.
   */
  get(key: AssetKey): AssetDefinition {
    const def = this.byKey.get(key);
    if (!def) throw new UnknownAssetError(key, closestKey(key, this.byKey.keys()));
    return def;
  }
}

/** What {@link defineAssets} accepts: definitions, arrays, module namespaces, decorated classes or instances. */
export type AssetsInput = Definitions | AssetDefinition | object | readonly unknown[];

/**
 * Collects asset definitions and validates them into {@link Definitions}: duplicate keys,
 * unknown dependencies, cycles (the error names the cycle path) and invalid keys all fail
 * here, before anything runs.
 *
 * Accepts any mix of: asset definitions, arrays, module namespaces (`import * as assets`;
 * values that are not assets are ignored), classes with `@asset`-decorated methods (they are
 * instantiated with no arguments) and instances of such classes.
 *
 * @example
 * ```ts
 * import * as bronze from './bronze.js';
 * import * as silver from './silver.js';
 * export default defineAssets([bronze, silver, new MlAssets(config)]);
 * ```
 * @throws {@link DuplicateKeyError}, {@link UnknownDependencyError}, {@link CycleError}
 */
export function defineAssets(...inputs: AssetsInput[]): Definitions {
  if (inputs.length === 1 && inputs[0] instanceof Definitions) return inputs[0];
  const byKey = new Map<AssetKey, AssetDefinition>();
  const add = (def: AssetDefinition) => {
    const existing = byKey.get(def.key);
    if (existing === def) return; // the same definition reached twice (re-exported) is fine
    if (existing) throw new DuplicateKeyError(def.key);
    byKey.set(def.key, def);
  };
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (value === null || value === undefined || seen.has(value)) return;
    if (isAssetDefinition(value)) return add(value);
    if (value instanceof Definitions) return value.assets.forEach(add);
    if (typeof value === 'function') {
      if (hasDecoratedMethods(value.prototype)) {
        seen.add(value);
        collectDecorated(new (value as new () => object)()).forEach(add);
      }
      return;
    }
    if (typeof value !== 'object' || depth > 3) return;
    seen.add(value);
    if (Array.isArray(value)) return value.forEach((v) => visit(v, depth + 1));
    if (hasDecoratedMethods(Object.getPrototypeOf(value))) return collectDecorated(value).forEach(add);
    // A module namespace or plain object: take its values (default export included).
    for (const v of Object.values(value)) visit(v, depth + 1);
  };
  for (const input of inputs) visit(input, 0);

  const deps = new Map<AssetKey, readonly AssetKey[]>();
  for (const def of byKey.values()) {
    for (const d of def.deps) {
      if (!byKey.has(d)) throw new UnknownDependencyError(def.key, d, closestKey(d, byKey.keys()));
    }
    for (const c of def.checks) {
      if (c.type === 'function' && typeof c.fn !== 'function') throw new InvalidDefinitionError(def.key, `check "${c.name}" has no function`);
    }
    deps.set(def.key, def.deps);
  }
  return new Definitions(byKey, new AssetGraph(deps));
}

function decoratedMethodNames(proto: object | null): string[] {
  const names: string[] = [];
  for (let p = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (d && typeof d.value === 'function' && decoratedSpec(d.value) && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

function hasDecoratedMethods(proto: object | null | undefined): boolean {
  return !!proto && decoratedMethodNames(proto).length > 0;
}

/** Binds every `@asset` method of an instance into a compute definition. */
function collectDecorated(instance: object): AssetDefinition[] {
  return decoratedMethodNames(Object.getPrototypeOf(instance)).map((name) => {
    const method = (instance as Record<string, Function>)[name]!;
    const spec = decoratedSpec(method)!;
    return computeAsset(spec, (ctx) => method.call(instance, ctx), method.toString());
  });
}
