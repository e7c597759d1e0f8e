// The small part of autocannon 8's API the benchmark uses (the package ships no types, and
// @types/autocannon is deliberately not installed: these few fields are all we rely on).
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      pipelining?: number;
      /** Seconds. */
      duration?: number;
      /** Requests to send in all, instead of a duration. */
      amount?: number;
      /** Seconds a request may take before it counts as a timeout. */
      timeout?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      /** A response whose body differs counts as a mismatch. */
      expectBody?: string;
      title?: string;
    }

    /** One histogram summary: autocannon fills p50, p90, p99 and more. */
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      sent?: number;
      p50: number;
      p90: number;
      p99: number;
      p99_9?: number;
      [percentile: string]: number | undefined;
    }

    /** A running load test. */
    interface Instance {
      on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): Instance;
      stop(): void;
    }

    interface Result {
      title?: string;
      url: string;
      connections: number;
      pipelining: number;
      /** Seconds the run actually lasted. */
      duration: number;
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      resets: number;
      '1xx': number;
      '2xx': number;
      '3xx': number;
      '4xx': number;
      '5xx': number;
      statusCodeStats: Record<string, { count: number }>;
      /** Milliseconds; autocannon records the latency of 2xx answers only. */
      latency: Histogram;
      /** Requests per one-second sample. */
      requests: Histogram;
      throughput: Histogram;
    }
  }

  /** Runs a load test; without a callback it returns a promise of the result. */
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  /** With a callback it returns the running instance: `response` events, `stop()`. */
  function autocannon(options: autocannon.Options, done: (error: Error | null, result: autocannon.Result) => void): autocannon.Instance;

  export = autocannon;
}
