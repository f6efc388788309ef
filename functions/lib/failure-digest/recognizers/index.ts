import { eslint } from "./eslint.ts";
import { generic } from "./generic.ts";
import { goTest } from "./go-test.ts";
import { jest } from "./jest.ts";
import { nodeTest } from "./node-test.ts";
import { pytest } from "./pytest.ts";
import type { RecognizerDefinition } from "./recognizer.ts";
import { tsc } from "./tsc.ts";
import { unittest } from "./unittest.ts";
import { vitest } from "./vitest.ts";

/**
 * Tried in this order; the first that recognised the output and found something wins. Test runners come before
 * compilers and linters because a test command's output can quote a compiler error, not the reverse; generic is
 * last and always applies.
 */
export const RECOGNIZERS: readonly RecognizerDefinition[] = [
  vitest,
  jest,
  nodeTest,
  pytest,
  unittest,
  goTest,
  tsc,
  eslint,
  generic,
];
