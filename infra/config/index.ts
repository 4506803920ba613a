// The project's configuration: declared once in schema.ts, validated by parse.ts, read by load.ts.
export * from './load';
export * from './parse';
export * from './schema';
