// The entry of a map under a key, made with `create` the first time it is asked for: how the store
// gathers rows by account, by image or by exposure in one pass.
export function entryOf<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}
