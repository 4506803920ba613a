/** Structured logs: one JSON object per line, so CloudWatch Logs Insights can filter on any field. */
export type LogSink = (line: string) => void;

export function createLogger(sink: LogSink = (line) => console.log(line)) {
  return (event: string, fields: Record<string, unknown>) =>
    sink(JSON.stringify({ time: new Date().toISOString(), event, ...fields }));
}

export type Logger = ReturnType<typeof createLogger>;
