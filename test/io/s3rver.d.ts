/** The part of s3rver's API the storage tests use (the package ships no types). */
declare module 's3rver' {
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    configureBuckets?: { name: string }[];
  }
  interface Context {
    method: string;
    query: Record<string, string | string[] | undefined>;
    status: number;
    body: unknown;
  }
  /** A Koa application: `middleware` is the chain composed when the server starts. */
  export default class S3rver {
    constructor(options: S3rverOptions);
    middleware: ((context: Context, next: () => Promise<void>) => Promise<void>)[];
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}
