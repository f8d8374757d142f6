// swagger2openapi ships no types; this is the one call we use.
declare module 'swagger2openapi' {
  interface ConvertResult { openapi: Record<string, unknown> }
  interface ConvertOptions { patch?: boolean; warnOnly?: boolean; resolveInternal?: boolean }
  const swagger2openapi: { convertObj(spec: object, options: ConvertOptions): Promise<ConvertResult> };
  export default swagger2openapi;
}
