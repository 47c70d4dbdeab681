// An image's layers as its findings name them, kept once per image (scanned_images.layer_hashes) so
// that a finding stores its layer's place in the list rather than the 71-character hash. Places never
// change: a layer first seen later is added at the end.
export class ImageLayers {
  private readonly hashes: string[];
  private readonly places: Map<string, number>;
  private grown = false;

  constructor(stored: string) {
    this.hashes = stored === '' ? [] : stored.split(',');
    this.places = new Map(this.hashes.map((hash, place) => [hash, place]));
  }

  private last?: { hash: string; place: number };

  /** The layer's place, added when new. */
  placeOf(hash: string): number {
    // A report's packages come layer by layer: most lookups are the previous one's layer.
    if (this.last?.hash === hash) return this.last.place;
    let place = this.places.get(hash);
    if (place === undefined) {
      place = this.hashes.push(hash) - 1;
      this.places.set(hash, place);
      this.grown = true;
    }
    this.last = { hash, place };
    return place;
  }

  hashAt(place: number | null): string | undefined {
    return place === null ? undefined : this.hashes[place];
  }

  /** The list to store, or undefined when no layer was added. */
  changed(): string | undefined {
    return this.grown ? this.hashes.join(',') : undefined;
  }
}
