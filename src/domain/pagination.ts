// How long one pagination sequence may go on: its tokens expire then (protocol/pagination-token.ts),
// and the store keeps the versions of the counts it reads until then (store/rollup-writes.ts).
export const paginationLifetimeMs = 24 * 60 * 60 * 1000;
