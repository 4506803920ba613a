import type { ImageStore } from './image-store';

/**
 * An ImageStore made on first use. The edge entry point gives one to the handler so that the S3 client
 * (most of the bundle's code) loads only when a derivative is missing, never for a pass-through.
 */
export function lazyImageStore(load: () => Promise<ImageStore>): ImageStore {
  let store: Promise<ImageStore> | undefined;
  const loaded = () => (store ??= load());
  return {
    getOriginal: async (key) => (await loaded()).getOriginal(key),
    putDerivative: async (...args) => (await loaded()).putDerivative(...args),
    originalEtag: async (key) => (await loaded()).originalEtag(key),
    derivativeSourceEtag: async (key) => (await loaded()).derivativeSourceEtag(key),
    listOriginals: async (...args) => (await loaded()).listOriginals(...args),
  };
}
