/**
 * aws-local-stepfunctions 3.0.0 calls Promise.withResolvers (Node 22+) in every Task state; on Node 20 every
 * Task would fail with a TypeError. This is the whole shim (reference/sfn-local.md).
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
promiseConstructor.withResolvers ??= <T>(): Resolvers<T> => {
  let resolve!: Resolvers<T>["resolve"];
  let reject!: Resolvers<T>["reject"];
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
