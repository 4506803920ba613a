/** The CloudFront Functions runtime's own `cloudfront` module (origin selection helpers). */
declare module 'cloudfront' {
  const cf: {
    selectRequestOriginById(originId: string): void;
    updateRequestOrigin(params: Record<string, unknown>): void;
  };
  export default cf;
}
