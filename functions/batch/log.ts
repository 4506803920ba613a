/**
 * Structured logs: one JSON object per line, so CloudWatch Logs Insights can filter on any field. The
 * default sink writes to stdout directly: Lambda's Node runtime prefixes `console.log` lines with a
 * timestamp and request id in its text format, which would make them stop being JSON.
 */
export type LogSink = (line: string) => void;

export function createLogger(sink: LogSink = (line) => process.stdout.write(line + '\n')) {
  return (event: string, fields: Record<string, unknown>) =>
    sink(JSON.stringify({ time: new Date().toISOString(), event, ...fields }));
}

export type Logger = ReturnType<typeof createLogger>;
