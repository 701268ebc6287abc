import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * A three-row Parquet file (`id` INTEGER, `product` VARCHAR, `price` DOUBLE:
 * widget 2.5, gadget 10, doohickey 0.75), uncompressed, written by DuckDB 1.5. Embedded so
 * suites need no Parquet writer.
 */
export const PARQUET_PRODUCTS_BASE64 =
  'UEFSMRUAFSQVJCwVBhUAFQYVBgAAAgAAAAYBAQAAAAIAAAADAAAAFQAVThVOLBUGFQAVBhUGAAACAAAABgEGAAAAd2lkZ2V0BgAAAGdhZGdldAkAAABkb29oaWNrZXkVABU8FTwsFQYVABUGFQYAAAIAAAAGAQAAAAAAAARAAAAAAAAAJEAAAAAAAADoPxUCGUw1ABgNZHVja2RiX3NjaGVtYRUGABUCJQIYAmlkJSIAFQwlAhgHcHJvZHVjdCUAABUKJQIYBXByaWNlABYGGRwZPCYAHBUCGRUAGRgCaWQVABYGFkYWRiYIPBgEAwAAABgEAQAAABYAKAQDAAAAGAQBAAAAEREAAAAmABwVDBkVABkYB3Byb2R1Y3QVABYGFnAWcCZOPBgGd2lkZ2V0GAlkb29oaWNrZXkWACgGd2lkZ2V0GAlkb29oaWNrZXkREQAAACYAHBUKGRUAGRgFcHJpY2UVABYGFl4WXia+ATwYCAAAAAAAACRAGAgAAAAAAADoPxYAKAgAAAAAAAAkQBgIAAAAAAAA6D8REQAAABaUAhYGJggWlAIAKChEdWNrREIgdmVyc2lvbiB2MS41LjYgKGJ1aWxkIDA2OWNjOWY5YjUpGTwcAAAcAAAcAAAAUgEAAFBBUjE=';

/** Writes a file under `root` (creating directories); `content` may be text or bytes. */
export async function writeFixture(root: string, path: string, content: string | Uint8Array): Promise<string> {
  const full = join(root, path);
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, content);
  return full;
}

/** The ingestion fixtures the conformance suite loads, by path relative to the project root. */
export const INGEST_FIXTURES: Readonly<Record<string, string | Uint8Array>> = {
  'data/csv/orders_1.csv': 'id,customer,amount\n1,alice,10\n2,bob,20\n3,carol,30\n',
  'data/jsonl/events.jsonl': '{"id":1,"kind":"click"}\n{"id":2,"kind":"view"}\n{"id":3,"kind":"click"}\n',
  // Several new files in one load, one with a malformed line.
  'data/jsonl_days/day_1.jsonl': '{"id":1,"kind":"click"}\n{"id":2,"kind":"view"}\n',
  'data/jsonl_days/day_2.jsonl': '{"id":3,"kind":"click"}\n{"id":4,"kind":\n',
  'data/jsonl_days/day_3.jsonl': '{"id":5,"kind":"view"}\n',
  'data/json/products.json': '[\n  {"id": 1, "name": "anvil"},\n  {"id": 2, "name": "rope"}\n]\n',
  'data/parquet/products.parquet': Buffer.from(PARQUET_PRODUCTS_BASE64, 'base64'),
  'data/bad_jsonl/events.jsonl': '{"id":1,"kind":"click"}\n{"id":2,"kind":\n{"id":3,"kind":"click"}\n',
  'data/bad_csv/orders.csv': 'id,customer,amount\n1,alice,10\n2,bob,20\n3,carol,30\n4,dave\n5,erin,50\n6,frank,60\n',
  'data/incremental/a.csv': 'id,customer,amount\n1,alice,10\n2,bob,20\n3,carol,30\n',
  // A row that breaks today's rule ("old"): checks scoped to new rows must not see it.
  'data/scoped/a.csv': 'id,kind\n1,a\n2,old\n',
};
